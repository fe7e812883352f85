/** A KEY=VALUE pair of a build-args or labels input. */
export interface KeyValue {
  key: string;
  value: string;
}
