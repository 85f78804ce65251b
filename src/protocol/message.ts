// A message on its way through the broker, as nats-server's pubArg: filled in once
// where it is parsed (a client's PUB or HPUB, a record of a routed batch) and handed
// on whole, instead of as a handful of positional arguments.
//
// One object serves every message its parser reads: the byte fields are views into
// the input and hold only until the next message is parsed. What keeps a message for
// later (a message waiting for its subject's interest) keeps a copy().

const EMPTY = new Uint8Array(0);

export class Message {
  subject: Uint8Array = EMPTY;
  /** null when the message has no reply subject. */
  reply: Uint8Array | null = null;
  /** The length of the header block that starts `data`; -1 when there is none (PUB). */
  headerSize = -1;
  /** The header block, if any, then the payload. */
  data: Uint8Array = EMPTY;
  /**
   * The subject its subscribers see, when it is not the one it is routed on; null when
   * it is. A JetStream consumer's message goes to the consumer's inbox (or deliver
   * subject) and shows the subject it was stored under (nats-server's pa.deliver).
   */
  deliver: Uint8Array | null = null;
  /**
   * The queue groups a leafnode named in its LMSG (nats-server's pa.queues): only
   * members of these groups may take it here. null for every other message.
   */
  namedGroups: readonly Uint8Array[] | null = null;

  set(subject: Uint8Array, reply: Uint8Array | null, headerSize: number, data: Uint8Array): this {
    this.subject = subject;
    this.reply = reply;
    this.headerSize = headerSize;
    this.data = data;
    this.deliver = null;
    this.namedGroups = null;
    return this;
  }

  /** A reply subject that is not empty: one a responder could answer on. */
  get hasReply(): boolean {
    return this.reply !== null && this.reply.length > 0;
  }

  /** A message of its own, no longer a view into anything. */
  copy(): Message {
    const m = new Message().set(this.subject.slice(), this.reply === null ? null : this.reply.slice(), this.headerSize, this.data.slice());
    if (this.deliver !== null) m.deliver = this.deliver.slice();
    if (this.namedGroups !== null) m.namedGroups = this.namedGroups.map((q) => q.slice());
    return m;
  }
}
