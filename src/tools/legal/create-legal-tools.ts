import type { Tool } from '../tool.js';
import { createAnalyzeDocumentTool } from './analyze-document.js';
import { createCheckConflictsTool } from './check-conflicts.js';
import { createCreateCalendarEventTool } from './create-calendar-event.js';
import { createDetectDeadlinesTool } from './detect-deadlines.js';
import { createDetectIssuesTool } from './detect-issues.js';
import { createExtractEntitiesTool } from './extract-entities.js';
import { createExtractLegalInfoTool } from './extract-legal-info.js';
import { createGenerateRetainerLetterTool } from './generate-retainer-letter.js';
import { createGenerateSummaryTool } from './generate-summary.js';
import { createGetDocumentTool } from './get-document.js';
import { createGetEmailDetailsTool } from './get-email-details.js';
import { toLegalDeps, type LegalToolsOptions } from './legal-deps.js';
import { createListEmailsTool } from './list-emails.js';
import { createOpenMatterTool } from './open-matter.js';
import { createScanBillableTimeTool } from './scan-billable-time.js';
import { createSendEmailTool } from './send-email.js';
import { createSummarizeEmailsTool } from './summarize-emails.js';
import { createTriageEmailsTool } from './triage-emails.js';
import { createUpdateClientRecordTool } from './update-client-record.js';

/**
 * The built-in legal tools over the firm's tables (migration 002). Tools that read language use `extractor`
 * (the model, with structured outputs) when given, and their rules otherwise; each result says which ran.
 */
export function createLegalTools(options: LegalToolsOptions): Tool[] {
  const deps = toLegalDeps(options);
  return [
    createListEmailsTool(deps),
    createGetEmailDetailsTool(deps),
    createTriageEmailsTool(deps),
    createSummarizeEmailsTool(deps),
    createDetectDeadlinesTool(deps),
    createExtractLegalInfoTool(deps),
    createCheckConflictsTool(deps),
    createGenerateRetainerLetterTool(deps),
    createSendEmailTool(deps),
    createUpdateClientRecordTool(deps),
    createOpenMatterTool(deps),
    createScanBillableTimeTool(deps),
    createCreateCalendarEventTool(deps),
    createGetDocumentTool(deps),
    createAnalyzeDocumentTool(deps),
    createExtractEntitiesTool(deps),
    createDetectIssuesTool(deps),
    createGenerateSummaryTool(deps),
  ];
}
