/**
 * The two ways a msgpack write fails after the body is read, kept apart because Arc answers them
 * differently: a payload it cannot decode is a 400 (and, inside a batch, the item is skipped),
 * while a value that does not fit its column's type is a 500 from the buffer write.
 */
export class PayloadError extends Error {
  override readonly name = "PayloadError";
}

export class RecordTypeError extends Error {
  override readonly name = "RecordTypeError";
}
