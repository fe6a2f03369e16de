/**
 * The drop note each request carries, the same in the line streamed for it and in the
 * final result. A request is noted when handed out, against the drops counted by then:
 * it was complete, so later drops cannot have taken any of its milestones. The final
 * result rebuilds handed-out requests (with the final clock estimates, which can move
 * host-clock milestones), so their notes are remembered rather than worked out again.
 */
import type { SessionClock } from '../capture/sessionClock.js';
import type { RequestTimeline } from '../timeline/types.js';
import { dropNoteFor, type DropWindows } from './dropWindows.js';

/** As many as the session keeps handed-out requests for the final result. */
const maxRemembered = 100_000;

export class DropNotes {
  private readonly given = new Map<string, string>();

  constructor(
    private readonly windows: DropWindows,
    private readonly clock: SessionClock,
  ) {}

  /** Notes a request being handed out (streamed). */
  handOut(r: RequestTimeline): void {
    const note = dropNoteFor(r, this.windows, this.clock);
    if (!note) return;
    r.notes.push(note);
    this.given.set(r.id, note);
    if (this.given.size > maxRemembered) this.given.delete(this.given.keys().next().value!);
  }

  /**
   * Notes the final result's requests: those handed out before as they were, the rest
   * (`handedOutNow`, incomplete ones among them) against every drop. Returns how many carry a note.
   */
  final(requests: readonly RequestTimeline[], handedOutNow: ReadonlySet<RequestTimeline>): number {
    let noted = 0;
    for (const r of requests) {
      const note = handedOutNow.has(r) ? dropNoteFor(r, this.windows, this.clock) : this.given.get(r.id);
      if (!note) continue;
      r.notes.push(note);
      noted++;
    }
    return noted;
  }
}
