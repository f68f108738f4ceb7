import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { singleLineHeader } from '../domain/mail-headers';

export interface OutgoingEmail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Extra headers (SES v2 `Headers`), e.g. List-Unsubscribe on marketing mail. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Tags carried into the configuration set's events, to tie bounces and clicks back to their cause. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** SES stopped the account or the configuration set from sending: nothing will go until someone acts. */
export const sendingStopped = (error: unknown) => error instanceof Error && ['SendingPausedException', 'AccountSuspendedException'].includes(error.name);

export interface Mailer {
  /** Sends one email; resolves with the provider's message id. */
  send(email: OutgoingEmail): Promise<string>;
}

export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly from: string,
    private readonly configurationSetName: string,
  ) {}

  /** Every mail path sends through here, so this is where header values are made single-line, whatever lead data they carry. */
  async send(email: OutgoingEmail): Promise<string> {
    const result = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [...email.to] },
        ConfigurationSetName: this.configurationSetName,
        Content: {
          Simple: {
            Subject: { Data: singleLineHeader(email.subject), Charset: 'UTF-8' },
            Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
            ...(email.headers ? { Headers: Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value: singleLineHeader(Value) })) } : {}),
          },
        },
        ...(email.tags ? { EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value })) } : {}),
      }),
    );
    return result.MessageId ?? '';
  }
}
