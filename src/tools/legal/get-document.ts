import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import { getClient, getDocument, getMatter, toDocument } from './firm-records.js';
import type { LegalDeps } from './legal-deps.js';
import { given, legalTool, optionalText } from './legal-tool.js';

const parameters = z.object({
  document_id: optionalText('The document to fetch'),
  matter_id: optionalText('Or: the newest document of this matter (id or number)'),
  kind: optionalText('With matter_id: only this kind, e.g. contract, lease, retainer_letter'),
});

export function createGetDocumentTool(deps: LegalDeps) {
  return legalTool({
    name: 'get_document',
    description: "Fetch a stored document (contract, lease, letter) with its text, matter and client, by id or as a matter's newest document.",
    parameters,
    timeout: 15,
    retry_count: 1,
    async run(args) {
      const id = given(args.document_id);
      const matterRef = given(args.matter_id);
      let document;
      if (id) {
        document = await getDocument(deps.db, id);
        if (!document) throw new SapflowError('not_found', `no document ${id}`);
      } else if (matterRef) {
        const { rows } = await deps.db.query(
          `SELECT d.* FROM documents d JOIN matters m ON m.id = d.matter_id
           WHERE (m.id = $1 OR m.number = $1) AND ($2::text IS NULL OR d.kind = $2) ORDER BY d.created_at DESC LIMIT 1`,
          [matterRef, given(args.kind) ?? null],
        );
        if (!rows[0]) throw new SapflowError('not_found', `no ${given(args.kind) ?? 'document'} in matter ${matterRef}`);
        document = toDocument(rows[0]);
      } else {
        throw new SapflowError('invalid_arguments', 'get_document: give document_id or matter_id');
      }
      const matter = document.matter_id ? await getMatter(deps.db, document.matter_id) : undefined;
      const client = document.client_id ? await getClient(deps.db, document.client_id) : undefined;
      return {
        document_id: document.id,
        title: document.title,
        kind: document.kind,
        text: document.body,
        word_count: document.body.split(/\s+/).filter(Boolean).length,
        created_at: document.created_at,
        url: `/api/documents/${encodeURIComponent(document.id)}`,
        matter: matter ? { id: matter.id, number: matter.number, title: matter.title, status: matter.status } : null,
        client: client ? { id: client.id, name: client.name } : null,
        sample_data: document.sample,
      };
    },
  });
}
