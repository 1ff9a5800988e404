/**
 * The port through which the core asks for an address to be opened in the user's own browser
 * (never an embedded window: the password is typed where the user's password manager and the
 * portal's own protections live). It is given to the core when the core is made (ServiceOptions):
 * the core worker's sends a message to Electron's main, which checks the address and calls
 * shell.openExternal; where none is given (the test host), the address still reaches the screen
 * through the progress event and the user opens it.
 */
export type SystemBrowser = (url: string) => void | Promise<void>;
