/** The package version, shown by --version. */
export const version = "0.1.0"
