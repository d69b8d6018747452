export * from './peer-pods-runtime';
export * from './kbs-resource-source';
export * from './trustee-seed';
export * from './trustee-registry';
export * from './trustee-props';
export * from './trustee';
export * from './trustee-key-vault';
