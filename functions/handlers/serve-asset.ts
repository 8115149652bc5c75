/** GET /assets/{file}: the pages' stylesheet (the only static file), cacheable for a year per version. */
import { STYLESHEET } from '../lib/assets.ts';
import { type HttpResult, publicHandler } from '../lib/http.ts';

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
