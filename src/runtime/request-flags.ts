// Request flags: the bits a mesh request carries beside its command number (ring frames' flags field).

/** The bit set in a request's flags when the client has CLIENT NO-TOUCH on. */
export const REQ_NO_TOUCH = 1;
/** The bit set in a request's flags when it is one part of a fanned-out command (not counted as a call). */
export const REQ_PART = 2;
