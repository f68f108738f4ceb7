import type { CampaignDefinition, ResolvedCampaignDefinition } from '../domain/campaigns/campaign';
import { contentOf, type TemplateSummary, type TemplateVersionRecord } from '../domain/campaigns/template-versions';
import { InvalidInput } from '../domain/errors';

/** The stored templates: a template's head (with its latest version number) and any one version. */
export interface TemplateVersions {
  get(templateId: string): Promise<TemplateSummary | undefined>;
  getVersion(templateId: string, version: number): Promise<TemplateVersionRecord | undefined>;
}

/**
 * A campaign's template as it will be stored: inline content as given, or a stored template's version
 * (the latest when none is named) copied in with `templateRef`, so editing the template later never
 * changes the campaign. An unknown template or version is the caller's mistake: 400 naming the field.
 */
export async function resolveCampaignTemplate(definition: CampaignDefinition, templates: TemplateVersions): Promise<ResolvedCampaignDefinition> {
  const { template } = definition;
  if (!('templateId' in template)) return { ...definition, template };
  const head = await templates.get(template.templateId);
  if (!head) throw new InvalidInput('Invalid request: template.templateId names no template', [{ field: 'template.templateId', message: `no template ${template.templateId}` }]);
  const versionNumber = template.version ?? head.latestVersion;
  const version = await templates.getVersion(template.templateId, versionNumber);
  if (!version) {
    throw new InvalidInput('Invalid request: template.version does not exist', [{ field: 'template.version', message: `template ${template.templateId} has versions 1 to ${head.latestVersion}, not ${versionNumber}` }]);
  }
  return { ...definition, template: contentOf(version), templateRef: { templateId: template.templateId, version: version.version } };
}
