/**
 * The write route's path, named here because the main thread needs it too: ThreadedArcEngine keeps
 * a copy of each write sent there until the thread reports its rows flushed.
 */
export const MSGPACK_WRITE_PATH = "/api/v1/write/msgpack";
