/**
 * An InfluxQL target for Grafana's InfluxDB data source (1.x, query language
 * InfluxQL). Foundation SDK 0.0.21 ships no InfluxDB query type, so this is
 * the SDK's documented extension point: a Dataquery variant and its builder
 * ("Defining a custom query type" in the SDK docs). Raw mode only: the query
 * text is exactly what runs, which is what the tests replay against influxd.
 */
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

/** time_series: one frame per series; table: one table, group-by tags as columns. */
export type InfluxResultFormat = 'time_series' | 'table';

export interface InfluxQuery {
  refId: string;
  hide?: boolean;
  datasource?: DataSourceRef;
  /** InfluxQL with Grafana macros ($timeFilter, $__interval, $community, ${__from}, ${__to}). */
  query: string;
  /** Always true: the editor shows the text, never a rebuilt query. */
  rawQuery: true;
  resultFormat: InfluxResultFormat;
  /** Series name pattern, e.g. `$tag_gate`. */
  alias?: string;
  _implementsDataqueryVariant(): void;
}

export class InfluxQueryBuilder implements Builder<Dataquery> {
  private readonly internal: InfluxQuery;

  constructor(refId: string, query: string) {
    this.internal = { refId, query, rawQuery: true, resultFormat: 'time_series', _implementsDataqueryVariant() {} };
  }

  build(): InfluxQuery {
    return this.internal;
  }

  datasource(datasource: DataSourceRef): this {
    this.internal.datasource = datasource;
    return this;
  }

  resultFormat(format: InfluxResultFormat): this {
    this.internal.resultFormat = format;
    return this;
  }

  alias(alias: string): this {
    this.internal.alias = alias;
    return this;
  }

  hide(hide: boolean): this {
    this.internal.hide = hide;
    return this;
  }
}
