import type { Ruleset } from './ruleset';

const DECISION_MAKER_PREFIXES = ['ceo', 'cto', 'cmo', 'cfo', 'coo', 'founder', 'co-founder', 'owner', 'vp', 'vice president', 'head of', 'director', 'chief'];
const JUNIOR_PREFIXES = ['intern', 'student', 'assistant', 'trainee', 'junior'];
const HIGH_VALUE_INDUSTRIES = ['software', 'saas', 'fintech', 'ecommerce', 'financial services', 'telecommunications'];
const SERVED_COUNTRIES = ['US', 'CA', 'GB', 'IE', 'DE', 'NL', 'FR', 'AU', 'NZ', 'SG', 'ID', 'MY'];

const ignoringCase = (values: readonly string[]) => values.map((value) => ({ prefix: { 'equals-ignore-case': value } }));

/**
 * The ruleset a new installation starts with: the boosters and reducers the seed articles list,
 * as data (boosters and reducers for who the lead is and what the lead does). Fit at most 75 (grade A from 60); an MQL needs 100 points and grade B.
 */
export const starterRuleset: Ruleset = {
  version: 'starter-1',
  halfLifeDays: 30,
  grades: { A: 60, B: 35, C: 15, D: 0 },
  mql: { minScore: 100, minGrade: 'B', recycleBelowScore: 70 },
  rules: [
    { id: 'decision-maker', description: 'Decision-maker role', score: 'fit', points: 20, when: { lead: { role: ignoringCase(DECISION_MAKER_PREFIXES) } } },
    { id: 'not-decision-maker', description: 'Not a decision maker', score: 'fit', points: -15, when: { lead: { role: ignoringCase(JUNIOR_PREFIXES) } } },
    { id: 'high-value-industry', description: 'High-value industry', score: 'fit', points: 15, when: { lead: { industry: HIGH_VALUE_INDUSTRIES.map((industry) => ({ 'equals-ignore-case': industry })) } } },
    { id: 'persona-team-size', description: 'Team size matches the persona (20-2000)', score: 'fit', points: 15, when: { lead: { teamSize: [{ numeric: ['>=', 20, '<=', 2000] }] } } },
    { id: 'team-too-small', description: 'Team too small for the product (under 5)', score: 'fit', points: -10, when: { lead: { teamSize: [{ numeric: ['<', 5] }] } } },
    { id: 'persona-revenue', description: 'Annual revenue of 1M or more', score: 'fit', points: 10, when: { lead: { annualRevenue: [{ numeric: ['>=', 1_000_000] }] } } },
    { id: 'revenue-too-small', description: 'Annual revenue under 100k', score: 'fit', points: -10, when: { lead: { annualRevenue: [{ numeric: ['<', 100_000] }] } } },
    { id: 'adequate-budget', description: 'Budget of 10k or more', score: 'fit', points: 15, when: { lead: { budget: [{ numeric: ['>=', 10_000] }] } } },
    { id: 'inadequate-budget', description: 'Budget under 1k', score: 'fit', points: -10, when: { lead: { budget: [{ numeric: ['<', 1_000] }] } } },
    { id: 'unserved-market', description: 'Country the business does not serve', score: 'fit', points: -30, when: { lead: { country: [{ 'anything-but': SERVED_COUNTRIES }] } } },
    { id: 'pricing-page', description: 'Pricing page view', score: 'engagement', points: 10, cap: { max: 3, periodDays: 7 }, when: { event: { type: ['page_view'], properties: { url: [{ wildcard: '*/pricing*' }] } } } },
    { id: 'demo-page', description: 'Demo page view', score: 'engagement', points: 15, cap: { max: 2, periodDays: 7 }, when: { event: { type: ['page_view'], properties: { url: [{ wildcard: '*/demo*' }] } } } },
    { id: 'feature-page', description: 'Feature page view', score: 'engagement', points: 3, cap: { max: 5, periodDays: 7 }, when: { event: { type: ['page_view'], properties: { url: [{ wildcard: '*/features*' }] } } } },
    { id: 'time-on-site', description: 'Two minutes or more on a page', score: 'engagement', points: 5, cap: { max: 4, periodDays: 7 }, when: { event: { type: ['page_view'], properties: { secondsOnPage: [{ numeric: ['>=', 120] }] } } } },
    { id: 'content-download', description: 'Content download', score: 'engagement', points: 10, cap: { max: 5 }, when: { event: { type: ['content_download'] } } },
    { id: 'webinar-registration', description: 'Webinar registration', score: 'engagement', points: 15, cap: { max: 3 }, when: { event: { type: ['webinar_registration'] } } },
    { id: 'chat-conversation', description: 'Chat message', score: 'engagement', points: 5, cap: { max: 2, periodDays: 1 }, when: { event: { type: ['chat_message'] } } },
    { id: 'inactive-30-days', description: 'No activity for 30 days or more', score: 'engagement', points: -10, when: { activity: { daysSinceLastEvent: [{ numeric: ['>=', 30] }] } } },
    { id: 'very-low-engagement', description: 'Very low engagement (under 5 points after decay)', score: 'engagement', points: -5, when: { activity: { engagement: [{ numeric: ['<', 5] }] } } },
    { id: 'form-submission', description: 'Form submission', score: 'engagement', points: 10, cap: { max: 3, periodDays: 30 }, when: { event: { type: ['form_submission'] } } },
  ],
};
