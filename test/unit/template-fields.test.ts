import { describe, expect, it } from 'vitest';
import { CampaignDefinition } from '../../src/domain/campaigns/campaign';
import { checkTemplateFields, renderTemplate } from '../../src/domain/campaigns/template';
import { sameContent, TemplateRequest } from '../../src/domain/campaigns/template-versions';

const issues = (html: string, subject = 'Hello', text?: string) => checkTemplateFields({ subject, html, ...(text === undefined ? {} : { text }) });

describe('checkTemplateFields', () => {
  it('accepts the profile fields, the address and custom attributes, with or without fallbacks', () => {
    const html = '<p>{{ lead.firstName | "there" }} {{lead.lastName}} at {{ lead.company|"your team" }} ({{ lead.teamSize }}, {{ lead.annualRevenue }}, {{ lead.budget }})</p>' +
      '{{ lead.email }} {{ lead.phone }} {{ lead.role }} {{ lead.industry }} {{ lead.country }} {{ lead.preferredChannel }} {{ lead.attributes.plan | "free" }} {{ lead.attributes.product_interest2 }}';
    expect(issues(html, 'Hi {{ lead.firstName | "" }}', 'Plain {{ lead.attributes.a }}')).toEqual([]);
    // A fallback may itself contain braces: the placeholder ends after its closing quote.
    expect(issues('{{ lead.firstName | "a }} b" }}')).toEqual([]);
  });

  it('names the part and the unknown field, and lists the known fields', () => {
    const [issue, ...rest] = issues('<p>Hi {{ lead.frist_name }}</p>');
    expect(rest).toEqual([]);
    expect(issue?.part).toBe('html');
    expect(issue?.message).toMatch(/^unknown field lead\.frist_name in html; known: lead\.firstName, lead\.lastName, .*lead\.preferredChannel, lead\.attributes\.<name>$/);
    expect(issues('x', '{{ lead.score }} for {{ firstName }}').map((found) => [found.part, found.message.split(';')[0]])).toEqual([
      ['subject', 'unknown field lead.score in subject'],
      ['subject', 'unknown field firstName in subject'],
    ]);
  });

  it('refuses attribute names outside the attribute pattern and anything below a field', () => {
    const unknown = (field: string) => issues(`{{ ${field} }}`).map((found) => found.message.split(';')[0]);
    expect(unknown('lead.attributes.Plan')).toEqual(['unknown field lead.attributes.Plan in html']);
    expect(unknown('lead.attributes.1st')).toEqual(['unknown field lead.attributes.1st in html']);
    expect(unknown(`lead.attributes.a${'b'.repeat(40)}`)).toHaveLength(1);
    expect(unknown(`lead.attributes.a${'b'.repeat(39)}`)).toEqual([]);
    expect(unknown('lead.attributes')).toHaveLength(1);
    expect(unknown('lead.attributes.plan.tier')).toHaveLength(1);
    expect(unknown('lead.firstName.length')).toHaveLength(1);
    expect(unknown('lead.subscriptions')).toHaveLength(1);
  });

  it('reports an unclosed {{ and a fallback with a bad quote, one issue per problem, in the right part', () => {
    const found = issues('<p>{{ lead.firstName | \'there\' }} and {{ lead.company | "us }}', 'Hi {{ lead.firstName', 'ok {{ lead.nope }} {{ lead.company | “us” }}');
    expect(found.map((issue) => issue.part)).toEqual(['subject', 'html', 'html', 'text', 'text']);
    expect(found[0]?.message).toBe('unclosed {{ in subject at character 4');
    expect(found[1]?.message).toMatch(/^bad fallback in \{\{ lead\.firstName \| 'there' \}\} in html: write it in double quotes/);
    expect(found[2]?.message).toMatch(/^bad fallback in \{\{ lead\.company \| "us \}\} in html/);
    expect(found[3]?.message).toMatch(/^unknown field lead\.nope in text/);
    expect(found[4]?.message).toMatch(/^bad fallback/);
  });

  it('is what the renderer fills: every placeholder of a checked template is replaced', () => {
    const template = { subject: 'Hi {{ lead.firstName | "there" }}', html: '<p>{{ lead.attributes.plan | "free" }} plan for {{ lead.company }}</p>' };
    expect(checkTemplateFields(template)).toEqual([]);
    const rendered = renderTemplate(template, { lead: { company: 'Acme', attributes: { plan: 'pro' } } });
    expect(rendered).toMatchObject({ subject: 'Hi there', html: '<p>pro plan for Acme</p>' });
    expect(rendered.html).not.toContain('{{');
  });
});

describe('template schemas', () => {
  it('refuses a stored template with an unknown field, naming the part', () => {
    const parsed = TemplateRequest.safeParse({ name: 'Welcome', subject: 'Hi', html: '{{ lead.frist_name }}' });
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['html']);
  });

  it('refuses a campaign whose inline template names an unknown field at template.html, and accepts a reference', () => {
    const campaign = { name: 'c', subscription: 'events', template: { subject: 'Hi', html: '<p>{{ lead.frist_name }}</p>' } };
    const parsed = CampaignDefinition.safeParse(campaign);
    expect(parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message.split(';')[0]])).toEqual([['template.html', 'unknown field lead.frist_name in html']]);
    expect(CampaignDefinition.safeParse({ ...campaign, template: { templateId: '7b0c0f5e-8e1c-4a4e-9e5b-1d2c3b4a5f6e', version: 2 } }).success).toBe(true);
    expect(CampaignDefinition.safeParse({ ...campaign, template: { templateId: 'nope' } }).error?.issues[0]?.path).toEqual(['template', 'templateId']);
    expect(CampaignDefinition.safeParse({ ...campaign, template: { templateId: '7b0c0f5e-8e1c-4a4e-9e5b-1d2c3b4a5f6e', version: 0 } }).error?.issues[0]?.path).toEqual(['template', 'version']);
    expect(CampaignDefinition.safeParse({ ...campaign, template: {} }).error?.issues[0]?.message).toMatch(/subject, html.*templateId/);
  });

  it('treats a missing and an empty text part as the same content', () => {
    expect(sameContent({ subject: 's', html: 'h' }, { subject: 's', html: 'h', text: '' })).toBe(true);
    expect(sameContent({ subject: 's', html: 'h' }, { subject: 's', html: 'h ' })).toBe(false);
  });
});
