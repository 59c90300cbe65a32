/** The built-in legal tools and the sample firm they run on. */
export { createLegalTools } from './create-legal-tools.js';
export { seedSampleFirm, type SeedOptions, type SeedResult } from './sample-firm.js';
export { getDocument, type StoredDocument } from './firm-records.js';
export { SAMPLE_FIRM, type Extractor, type FirmProfile, type LegalDatabase, type LegalToolsOptions, type Mailer, type MailMessage } from './legal-deps.js';
