// A published subject as the cluster knows it (`<account>.<subject>`) and its
// shard key, worked out for the last subject seen and kept: publishers repeat
// subjects, so a run of messages to one subject builds neither string again.

import { publishKey } from "../../protocol/shardkey.js";
import type { AccountSpace } from "../host/account.js";
import type { LocalSub } from "../host/client.js";

export class LastSubject {
  private space: AccountSpace<LocalSub> | null = null;
  private subject = "";
  /** `<account>.<subject>`. */
  qualified = "";
  /** The shard key of `qualified`. */
  key = "";

  constructor(private readonly keyDepth: number) {}

  /** Takes `subject` of `space` as the last one (unless it already is); read `qualified` and `key` off the result. */
  of(space: AccountSpace<LocalSub>, subject: string): this {
    if (subject !== this.subject || space !== this.space) {
      this.space = space;
      this.subject = subject;
      this.qualified = space.qualify(subject);
      this.key = publishKey(this.qualified, this.keyDepth);
    }
    return this;
  }
}
