import { SapflowError } from '../../errors/index.js';
import { getDocument } from './firm-records.js';
import type { LegalDeps } from './legal-deps.js';
import { given, optionalText } from './legal-tool.js';

/** What a document tool reads: a stored document, or text given directly. */
export const documentSelection = {
  document_id: optionalText('A stored document to read (as get_document or generate_retainer_letter returned it)'),
  text: optionalText('Or the text itself'),
};

export interface DocumentRef {
  id: string;
  title: string;
  kind: string;
  matter_id: string | null;
  sample: boolean;
}

export async function resolveDocumentText(
  deps: LegalDeps,
  args: { document_id?: string | null; text?: string | null },
  tool: string,
): Promise<{ text: string; document: DocumentRef | null }> {
  const id = given(args.document_id);
  if (id) {
    const doc = await getDocument(deps.db, id);
    if (!doc) throw new SapflowError('not_found', `${tool}: no document ${id}`);
    return { text: doc.body, document: { id: doc.id, title: doc.title, kind: doc.kind, matter_id: doc.matter_id, sample: doc.sample } };
  }
  const text = given(args.text);
  if (!text) throw new SapflowError('invalid_arguments', `${tool}: give document_id or text`);
  return { text, document: null };
}
