/**
 * An HTTP exchange's VIM events, made where it was parsed (a worker thread): what the
 * session's onHttp would make of it, so that the exchange crosses to the main thread
 * without its bodies and is not dissected twice.
 */
import { novaHttpEvent } from '../dissectors/nova/restEvents.js';
import type { NovaHttpEvent } from '../dissectors/nova/types.js';
import { hasNomadEvidence, nomadHttpEvent } from '../dissectors/nomad/httpEvents.js';
import type { NomadHttpEvent } from '../dissectors/nomad/types.js';
import type { Vim } from '../dissectors/types.js';
import type { HttpExchange } from '../protocols/types.js';

export interface HttpDissection {
  nova: NovaHttpEvent | null;
  /** Made when the exchange is not Nova's and its target is under /v1/ (Nomad's API, if the connection is). */
  nomad?: NomadHttpEvent;
  /** hasNomadEvidence of the exchange. */
  nomadEvidence: boolean;
}

export function dissectHttp(
  ex: HttpExchange,
  vim: Vim | undefined,
  nomadApiPorts: ReadonlySet<number>,
): HttpDissection {
  const nova = vim !== 'nomad' ? novaHttpEvent(ex) : null;
  if (nova !== null || vim === 'nova' || !ex.request.target.startsWith('/v1/')) return { nova, nomadEvidence: false };
  return { nova, nomad: nomadHttpEvent(ex), nomadEvidence: hasNomadEvidence(ex, nomadApiPorts) };
}
