/**
 * `coatcheck/testing`: the store conformance suite and record factories, for this package's stores
 * and for third-party ones.
 */
export { describeStoreConformance, type StoreConformanceOptions } from './conformance.ts';
export * from './http-helpers.ts';
export { asCreated, expiredRecord, plainRecord, randomKey, randomUserId, sampleRecord } from './records.ts';
