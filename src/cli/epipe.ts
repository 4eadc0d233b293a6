/**
 * A reader that goes away (`lotwise chains --all | head -1`) closes the pipe: the next write to
 * stdout fails with EPIPE, which Node throws as an unhandled 'error' event, a stack trace and exit
 * code 1. Nobody is left to read the rest, so the CLI stops quietly instead (exit 0, as `head`'s
 * producer would); any other stream error is still thrown.
 */
type ErrorSource = {
  on(event: "error", listener: (error: NodeJS.ErrnoException) => void): unknown;
};

export const exitQuietlyOnEpipe = (stream: ErrorSource, exit: (code: number) => void): void => {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") exit(0);
    else throw error;
  });
};
