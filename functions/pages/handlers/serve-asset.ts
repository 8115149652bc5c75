/** GET /assets/{file}: the pages' stylesheet (the only static file), cacheable for a year per version. */

import { type HttpResult, publicHandler } from '../../platform/http.ts';
import { STYLESHEET } from '../assets.ts';

export const handler = publicHandler(async (event): Promise<HttpResult> => {
  if (event.pathParameters?.file !== 'jif.css') {
    return { statusCode: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not found' };
  }
  return {
    statusCode: 200,
    headers: {
      'Content-Type': 'text/css; charset=utf-8',
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    },
    body: STYLESHEET,
  };
});
