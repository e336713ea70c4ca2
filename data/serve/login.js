// The login link's page moves on to the app, replacing itself in the history so that the
// secret in its URL is not kept there.
window.location.replace('/');
