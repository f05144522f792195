// Trends peer: DuckDB (@duckdb/node-api) on the claim rows of universe.h5.
//
//   node duckdb_trends.mjs CASE.json --runs N [--threads 2] [--memory-limit 4GB] --out-prefix PREFIX
//
// CASE.json comes from bench/peers/peers_data.py. The claim rows (provider, week, code, services)
// are loaded once into a table of a DuckDB file cached next to the graph (CASE.duckdb); the load
// reads the columns straight from universe.h5 (contiguous datasets, offsets from h5py) or from raw
// column dumps, and appends them in DuckDB data chunks. Then each query below runs once to warm the
// buffer pool and --runs times timed (the median is reported). The per-provider results go to
// PREFIX-<query>.bin (float64 columns) for bench_peers.py to check against the snapshot. Prints one
// JSON object.
//
// SPEC section 4 counts a week without rows as 0 in the OLS slope; regr_slope only sees the rows
// it gets. The queries therefore either compute the slope from sums (the slope is linear in r:
// slope = sum over rows of services * (x - mean x) / Sxx, x = week - t over the slope_weeks weeks,
// exact whatever weeks are missing) or densify the weekly series before regr_slope.
import { DuckDBDataChunk, DuckDBInstance, INTEGER, UINTEGER } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';

const CHUNK = 2048; // DuckDB's vector size: rows per appended data chunk
const SLICE = 1 << 20; // rows read from the file at a time

function fail(msg) {
  process.stderr.write(`duckdb_trends: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const a = { runs: 3, threads: 2, memoryLimit: '4GB', outPrefix: null, case: null };
  for (let k = 0; k < argv.length; k++) {
    const v = argv[k + 1];
    switch (argv[k]) {
      case '--runs': a.runs = Number(v); k++; break;
      case '--threads': a.threads = Number(v); k++; break;
      case '--memory-limit': a.memoryLimit = v; k++; break;
      case '--out-prefix': a.outPrefix = v; k++; break;
      default:
        if (argv[k].startsWith('--') || a.case) fail(`unexpected argument ${argv[k]}`);
        a.case = argv[k];
    }
  }
  if (!a.case || !a.outPrefix || !(a.runs >= 1) || !(a.threads >= 1)) {
    fail('usage: node duckdb_trends.mjs CASE.json --runs N [--threads 2] [--memory-limit 4GB] --out-prefix PREFIX');
  }
  return a;
}

const TYPED = { '<u8': BigUint64Array, '<i4': Int32Array, '<u4': Uint32Array };

// A reader of one column (a contiguous little-endian array at a byte offset of a file).
function columnReader(source, column) {
  const file = column.path ?? source.path;
  const Typed = TYPED[column.dtype];
  if (!Typed) fail(`column type ${column.dtype} is not supported`);
  const fd = fs.openSync(file, 'r');
  return {
    count: column.count,
    read(lo, hi) {
      const out = new Typed(hi - lo);
      const bytes = Buffer.from(out.buffer);
      const want = bytes.length;
      let got = 0;
      while (got < want) {
        const n = fs.readSync(fd, bytes, got, want - got, column.offset + lo * Typed.BYTES_PER_ELEMENT + got);
        if (n === 0) fail(`${file}: unexpected end of file`);
        got += n;
      }
      return out;
    },
    close() { fs.closeSync(fd); },
  };
}

async function load(dbPath, c, memoryLimit) {
  const tmp = `${dbPath}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  fs.rmSync(`${tmp}.wal`, { force: true });
  const t0 = performance.now();
  const instance = await DuckDBInstance.create(tmp, { threads: '2', memory_limit: memoryLimit });
  const con = await instance.connect();
  await con.run('CREATE TABLE claims (provider UINTEGER, week INTEGER, code UINTEGER, services UINTEGER)');
  await con.run('CREATE TABLE meta (fingerprint VARCHAR, rows BIGINT)');
  const cols = Object.fromEntries(
    ['offsets', 'week', 'code', 'services'].map((n) => [n, columnReader(c.claims, c.claims.columns[n])]));
  const offsets = cols.offsets.read(0, cols.offsets.count);
  const rows = Number(offsets[offsets.length - 1]);
  if (rows !== c.claims_rows) fail(`claims offsets end at ${rows}, expected ${c.claims_rows} rows`);
  const appender = await con.createAppender('claims');
  const chunk = DuckDBDataChunk.create([UINTEGER, INTEGER, UINTEGER, UINTEGER], CHUNK);
  let vectors = null;
  let provider = 0;
  let providerEnd = Number(offsets[1]);
  for (let lo = 0; lo < rows; lo += SLICE) {
    const hi = Math.min(rows, lo + SLICE);
    const week = cols.week.read(lo, hi);
    const code = cols.code.read(lo, hi);
    const services = cols.services.read(lo, hi);
    for (let at = 0; at < hi - lo; at += CHUNK) {
      const n = Math.min(CHUNK, hi - lo - at);
      if (!vectors || n !== chunk.rowCount) {
        chunk.rowCount = n; // drops the chunk's vector objects, sized for the old count
        vectors = [0, 1, 2, 3].map((i) => chunk.getColumnVector(i));
      }
      const [vp, vw, vc, vs] = vectors;
      for (let k = 0; k < n; k++) {
        const row = lo + at + k;
        while (row >= providerEnd) providerEnd = Number(offsets[++provider + 1]);
        vp.setItem(k, provider);
        vw.setItem(k, week[at + k]);
        vc.setItem(k, code[at + k]);
        vs.setItem(k, services[at + k]);
      }
      vp.flush(); vw.flush(); vc.flush(); vs.flush();
      appender.appendDataChunk(chunk);
    }
  }
  appender.closeSync();
  Object.values(cols).forEach((r) => r.close());
  await con.run('INSERT INTO meta VALUES ($1, $2)', [c.universe_fingerprint, rows]);
  await con.run('CHECKPOINT');
  con.closeSync();
  instance.closeSync();
  fs.renameSync(tmp, dbPath);
  return (performance.now() - t0) / 1000;
}

async function openCached(c, memoryLimit) {
  if (fs.existsSync(c.duckdb)) {
    const instance = await DuckDBInstance.create(c.duckdb, { access_mode: 'READ_ONLY' });
    const con = await instance.connect();
    let ok = false;
    try {
      const meta = (await con.runAndReadAll('SELECT fingerprint, rows FROM meta')).getRowsJS();
      ok = meta.length === 1 && meta[0][0] === c.universe_fingerprint && Number(meta[0][1]) === c.claims_rows;
    } catch {
      ok = false;
    }
    con.closeSync();
    instance.closeSync();
    if (ok) return { load_s: null, cached: true };
    fs.rmSync(c.duckdb);
  }
  return { load_s: await load(c.duckdb, c, memoryLimit), cached: false };
}

function queries(c) {
  const t = c.t, W = c.window_weeks, S = c.slope_weeks, H = c.query_weeks;
  const Sxx = (S * (S * S - 1)) / 12; // sum over the S weeks of (x - mean x)^2
  const mean = -(S - 1) / 2; // mean of x = week - t over weeks t-S+1 .. t
  const codes = c.code_ids.length ? c.code_ids.join(', ') : 'NULL';
  const where = `week > ${t - H} AND week <= ${t} AND code IN (${codes})`;
  const inSlope = `week > ${t - S}`;
  // SPEC's slope from sums; 0 when slope_weeks < 2 (no spread in x), as score has it.
  const slopeSpec = S >= 2
    ? `coalesce(sum(services * (week - ${t} - (${mean}))) FILTER (WHERE ${inSlope}), 0) / ${Sxx}` : '0::DOUBLE';
  return {
    // SPEC's volume and slope per provider, the slope from sums (missing weeks count as 0).
    provider: `
      SELECT provider,
             coalesce(sum(services) FILTER (WHERE week > ${t - W}), 0)::DOUBLE AS volume,
             ${slopeSpec} AS slope
      FROM claims WHERE ${where}
      GROUP BY provider`,
    // The same with regr_slope, after densifying each active provider's weekly series to S weeks.
    provider_regr_dense: `
      WITH weekly AS (
        SELECT provider, week, sum(services)::DOUBLE AS r FROM claims WHERE ${where} GROUP BY provider, week),
      vol AS (
        SELECT provider, coalesce(sum(r) FILTER (WHERE week > ${t - W}), 0) AS volume FROM weekly GROUP BY provider),
      dense AS (
        SELECT a.provider, g.week, coalesce(w.r, 0) AS r
        FROM (SELECT DISTINCT provider FROM weekly WHERE week > ${t - S}) a
        CROSS JOIN (SELECT range::INTEGER AS week FROM range(${t - S + 1}, ${t + 1})) g
        LEFT JOIN weekly w ON w.provider = a.provider AND w.week = g.week),
      sl AS (SELECT provider, ${S >= 2 ? 'regr_slope(r, week)' : '0::DOUBLE'} AS slope FROM dense GROUP BY provider)
      SELECT vol.provider, vol.volume, coalesce(sl.slope, 0) AS slope
      FROM vol LEFT JOIN sl ON sl.provider = vol.provider`,
    // signalrank's split: its read phase keeps only the campaign's rows of the trend weeks while
    // streaming the claims, and its trends phase aggregates those. Here the same two steps: the
    // filter into a temporary table (timed as 'prefilter'), then the provider query over it.
    prefilter: `
      CREATE OR REPLACE TEMP TABLE kept AS
      SELECT provider, week, services FROM claims WHERE ${where}`,
    provider_prefiltered: `
      SELECT provider,
             coalesce(sum(services) FILTER (WHERE week > ${t - W}), 0)::DOUBLE AS volume,
             ${slopeSpec} AS slope
      FROM kept
      GROUP BY provider`,
    // As the issue phrases it: sum and regr_slope by (provider, code). regr_slope sees only the
    // weeks with rows (and is undefined, here 0, with fewer than two); slope_spec is SPEC's slope
    // of that (provider, code) series from sums.
    provider_code: `
      SELECT provider, code,
             coalesce(sum(services) FILTER (WHERE week > ${t - W}), 0)::DOUBLE AS volume,
             CASE WHEN count(*) FILTER (WHERE ${inSlope}) >= 2
                  THEN regr_slope(services, week) FILTER (WHERE ${inSlope}) ELSE 0 END AS slope_regr,
             ${slopeSpec} AS slope_spec
      FROM claims WHERE ${where}
      GROUP BY provider, code`,
  };
}

function writeColumns(prefix, name, columns, names) {
  const f = `${prefix}-${name}.bin`;
  const n = columns[0].length;
  const out = new Float64Array(n * names.length);
  names.forEach((_, j) => {
    const col = columns[j];
    for (let i = 0; i < n; i++) out[j * n + i] = Number(col[i]);
  });
  fs.writeFileSync(f, Buffer.from(out.buffer));
  return { path: f, rows: n, columns: names };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const c = JSON.parse(fs.readFileSync(a.case, 'utf8'));
  fs.mkdirSync(path.dirname(c.duckdb), { recursive: true });
  const loaded = await openCached(c, a.memoryLimit);

  const instance = await DuckDBInstance.create(c.duckdb, {
    access_mode: 'READ_ONLY', threads: String(a.threads), memory_limit: a.memoryLimit,
  });
  const con = await instance.connect();
  const version = (await con.runAndReadAll('SELECT version()')).getRowsJS()[0][0];
  const result = {
    name: 'duckdb', version, threads: a.threads, memory_limit: a.memoryLimit, rows: c.claims_rows,
    load_s: loaded.load_s, load_cached: loaded.cached,
    db_bytes: fs.statSync(c.duckdb).size, queries: {},
  };
  let kept = null;
  for (const [name, sql] of Object.entries(queries(c))) {
    let t0 = performance.now();
    await con.runAndReadAll(sql); // warm-up: buffer pool, plan caches
    const cold = (performance.now() - t0) / 1000;
    const times = [];
    let reader;
    for (let r = 0; r < a.runs; r++) {
      t0 = performance.now();
      reader = await con.runAndReadAll(sql);
      times.push((performance.now() - t0) / 1000);
    }
    const q = {
      warmup_s: cold, query_s: times, median_s: median(times), input_rows: c.claims_rows,
      sql: sql.replace(/\s+/g, ' ').trim(),
    };
    if (name === 'prefilter') {
      kept = Number((await con.runAndReadAll('SELECT count(*) FROM kept')).getRowsJS()[0][0]);
      q.result_rows = kept;
    } else {
      if (name === 'provider_prefiltered') q.input_rows = kept;
      q.result_rows = reader.currentRowCount;
      q.output = writeColumns(a.outPrefix, name, reader.getColumnsJS(), reader.columnNames());
    }
    result.queries[name] = q;
  }
  con.closeSync();
  instance.closeSync();
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => fail(e.stack || String(e)));
