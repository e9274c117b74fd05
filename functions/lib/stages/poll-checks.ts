import type { HttpResponse } from '../http/fetch.ts';

// What the pollers of JSON sources ask of a response before taking it: complete JSON. A body that is
// not (cut off, an HTML error page) is asked again; where the poller has a place for it, it is first
// kept in raw/ and quarantined, so that what the source sent is on record.

/** a `getWithRetry` check: undefined for complete JSON, else why not, after `keep` has stored the body */
export function completeJson(keep?: (response: HttpResponse) => Promise<unknown>): (response: HttpResponse) => Promise<string | undefined> {
  return async (response) => {
    try {
      JSON.parse(response.body.toString('utf8'));
      return undefined;
    } catch {
      // not JSON is the answer sought here, not an error to pass on: the body is retried
      if (!keep) return 'the body is not complete JSON';
      await keep(response);
      return 'the body is not complete JSON (kept in raw/ and quarantined)';
    }
  };
}
