import type { Manifest } from './types';
import { DetailType, EVENT_SOURCE } from '../domain/events';

/**
 * Every function of leadflow, its trigger and what it may touch. The CDK stack and the local runtime
 * are both built from this value: adding a function is one entry here plus its folder under functions/.
 */
export const manifest: Manifest = {
  service: 'leadflow',
  http: {
    throttleRatePerSecond: 50,
    throttleBurst: 100,
    maxBodyBytes: 16 * 1024,
  },
  functions: [
    {
      name: 'capture-form',
      description: 'Accepts a form submission: validates, creates or updates the lead, records the submission.',
      entry: 'functions/capture-form/handler.ts',
      trigger: { kind: 'http', method: 'POST', path: '/v1/forms/{formId}/submissions', audience: 'public' },
      timeoutSeconds: 10,
      memoryMb: 256,
      access: ['table:write', 'bus:put'],
      reservedConcurrency: 50,
    },
    {
      name: 'ingest-events',
      description: 'Accepts a batch of engagement events from the tracking snippet or a chat widget.',
      entry: 'functions/ingest-events/handler.ts',
      trigger: { kind: 'http', method: 'POST', path: '/v1/events', audience: 'public' },
      timeoutSeconds: 10,
      memoryMb: 256,
      access: ['table:write', 'bus:put'],
      reservedConcurrency: 50,
    },
    {
      name: 'api-docs',
      description: 'Serves the OpenAPI document generated from the request schemas.',
      entry: 'functions/api-docs/handler.ts',
      trigger: { kind: 'http', method: 'GET', path: '/v1/openapi.json', audience: 'public' },
      timeoutSeconds: 5,
      memoryMb: 256,
      access: [],
    },
    {
      name: 'get-lead',
      description: 'Returns a lead with its scores, grade, stage and score breakdown.',
      entry: 'functions/get-lead/handler.ts',
      trigger: { kind: 'http', method: 'GET', path: '/v1/admin/leads/{leadId}', audience: 'admin' },
      timeoutSeconds: 5,
      memoryMb: 256,
      access: ['table:read'],
    },
    {
      name: 'score-lead',
      description: 'Applies recorded engagement to its lead once, keeps fit, engagement and grade, emits lead.qualified.',
      entry: 'functions/score-lead/handler.ts',
      trigger: {
        kind: 'event',
        pattern: {
          source: [EVENT_SOURCE],
          'detail-type': [DetailType.EngagementRecorded, DetailType.LeadIdentified],
        },
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        maxReceiveCount: 5,
      },
      timeoutSeconds: 30,
      memoryMb: 512,
      access: ['table:write', 'bus:put'],
    },
    {
      name: 'alert-sales',
      description: 'Emails the sales inbox once per lead qualification, with the reasons.',
      entry: 'functions/alert-sales/handler.ts',
      trigger: {
        kind: 'event',
        pattern: { source: [EVENT_SOURCE], 'detail-type': [DetailType.LeadQualified] },
        batchSize: 5,
        maxBatchingWindowSeconds: 0,
        maxReceiveCount: 5,
      },
      timeoutSeconds: 30,
      memoryMb: 256,
      access: ['table:write', 'ses:send'],
    },
  ],
};
