export { StoreError, type StoreErrorCode } from './errors.ts';
export {
  createStore,
  DEFAULT_STORE_NAME,
  findStore,
  listStores,
  type Store,
} from './store-store.ts';
