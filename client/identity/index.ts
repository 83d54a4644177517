export { loadIdentity, forgetIdentity, DB_NAME, STORE, DEFAULT_SLOT, type Identity, type LoadIdentityOptions } from './identity';
