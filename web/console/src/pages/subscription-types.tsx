import { Link } from 'react-router';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';
import type { Session } from '../session';
import { useSubscriptionTypes } from '../subscription-types';

/**
 * The subscription types as stored, for every role: marketers choose them for campaigns, journeys and
 * forms, sales read them on leads. Read only; admins edit them under Settings (the API refuses others).
 */
export default function SubscriptionTypesPage({ session }: { readonly session: Session }) {
  const { text, language } = useI18n();
  const types = useSubscriptionTypes();
  return (
    <section aria-labelledby="subscription-types-page-title">
      <h1 id="subscription-types-page-title">{text('subscriptionTypes.title')}</h1>
      <p className="help">{text('subscriptionTypes.help')}</p>
      <p className="help">{session.role === 'admin' ? <Link to="/settings">{text('subscriptionTypes.adminNote')}</Link> : text('subscriptionTypes.readOnly')}</p>
      {types.isPending ? (
        <Loading />
      ) : types.isError ? (
        <ErrorNotice error={types.error} onRetry={() => types.refetch()} />
      ) : (
        <div className="table-scroll">
          <table aria-label={text('subscriptionTypes.title')}>
            <thead>
              <tr>
                <th scope="col">{text('settings.typeId')}</th>
                <th scope="col">{text(language === 'id' ? 'settings.typeLabelId' : 'settings.typeLabelEn')}</th>
                <th scope="col">{text(language === 'id' ? 'settings.typeDescriptionId' : 'settings.typeDescriptionEn')}</th>
                <th scope="col">{text('subscriptionTypes.optIn')}</th>
                <th scope="col">{text('settings.transactional')}</th>
                <th scope="col">{text('settings.archived')}</th>
              </tr>
            </thead>
            <tbody>
              {types.data.types.map((type) => (
                <tr key={type.id}>
                  <th scope="row">
                    <code>{type.id}</code>
                  </th>
                  <td>{type.label[language]}</td>
                  <td>{type.description[language]}</td>
                  <td>{text(type.doubleOptIn ? 'subscriptionTypes.doubleOptIn' : 'subscriptionTypes.singleOptIn')}</td>
                  <td>{text(type.transactional ? 'subscriptionTypes.yes' : 'subscriptionTypes.no')}</td>
                  <td>{text(type.archived ? 'subscriptionTypes.yes' : 'subscriptionTypes.no')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
