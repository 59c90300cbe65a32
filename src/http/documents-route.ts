import { Router } from 'express';
import { SapflowError } from '../errors/index.js';
import type { Runtime } from '../runtime/create-runtime.js';
import { currentUser } from './current-user.js';
import { sendError } from './send-error.js';

interface DocumentRow {
  id: string;
  title: string;
  kind: string;
  body: string;
  content_type: string;
  matter_id: string | null;
  client_id: string | null;
  created_by: string | null;
  created_at: string | Date;
  sample: boolean;
}

/**
 * GET /api/documents/:id: a stored document (a retainer letter the tools wrote) as JSON, or its text alone with
 * `Accept: text/plain`. A document a user's run wrote is that user's; firm documents (no author, or demo data) are
 * everyone's. Anything else answers 404, like a document that does not exist.
 */
export function documentsRoute(runtime: Runtime): Router {
  const router = Router();
  router.get('/api/documents/:id', async (req, res) => {
    try {
      const { rows } = await runtime.db.query<DocumentRow>(
        `SELECT id, title, kind, body, content_type, matter_id, client_id, created_by, created_at, sample FROM documents
         WHERE id = $1 AND (created_by IS NULL OR created_by = $2 OR sample)`,
        [req.params.id, currentUser(res)],
      );
      const document = rows[0];
      if (!document) throw new SapflowError('unknown_document', `No document ${req.params.id}`);
      if (req.accepts(['application/json', 'text/plain']) === 'text/plain') {
        res.type('text/plain; charset=utf-8').send(document.body);
        return;
      }
      res.json({
        id: document.id,
        title: document.title,
        kind: document.kind,
        body: document.body,
        contentType: document.content_type,
        matterId: document.matter_id,
        clientId: document.client_id,
        createdBy: document.created_by,
        createdAt: new Date(document.created_at).toISOString(),
        sample: document.sample,
      });
    } catch (error) {
      sendError(res, error);
    }
  });
  return router;
}
