// Where the UI listens unless told otherwise: loopback only. Apart from the server so the
// verbs' flag parsing does not load the server.
export const DEFAULT_UI_HOST = '127.0.0.1';
export const DEFAULT_UI_PORT = 7394;
