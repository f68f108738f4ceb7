/**
 * SES delivers configuration-set events (delivery, bounce, complaint, open, click) to the account's
 * `default` bus only. This rule, on the default bus, forwards those of leadflow's configuration set
 * to the leadflow bus, where the functions' own rules pick them up. The CDK stack deploys it and the
 * local bus applies it, both from this one declaration.
 */
export const sesForwardingRule = (configurationSetName: string) => ({
  description: 'SES configuration-set events to the leadflow bus',
  pattern: { source: ['aws.ses'], detail: { mail: { tags: { 'ses:configuration-set': [configurationSetName] } } } },
});
