'use strict'
// interop.js - the kafkajs 2.2.4 side of Strand's kafkajs interoperability
// test (driven by ../test_kafkajs.sh, which starts the broker and checks
// the results with kcat).
//
//   node interop.js produce BROKER OUTDIR [COUNT]
//     Admin: createTopics (kj-plain, kj-gzip, kc-keys; 3 partitions each),
//     createTopics again (must report "already exists"), listTopics,
//     describeCluster, fetchTopicMetadata, fetchTopicOffsets before and
//     after producing; afterwards fetchTopicOffsetsByTimestamp,
//     describeConfigs, and createTopics + createPartitions + deleteTopics on
//     a scratch topic. Producer: COUNT messages per topic (keys incl. binary,
//     repeated and null, values incl. binary, empty and null, headers incl.
//     repeated names and empty values, explicit timestamps), kj-plain
//     uncompressed with acks -1 and kj-gzip gzip-compressed with acks 1,
//     DefaultPartitioner (Java murmur2). Every send must succeed and report
//     the base offset this script predicts. Writes OUTDIR/<topic>.exp
//     (canonical lines, see below, in partition then offset order) and
//     OUTDIR/keys.in (one `KEY\tINDEX` line per distinct key, input for
//     `kcat -P -K '\t'`).
//
//   node interop.js fetch BROKER OUTDIR TOPIC...
//     Reads each TOPIC with kafkajs's Fetch request and decoder (not its
//     consumer, see below) and writes OUTDIR/TOPIC.kjfetch: canonical lines
//     in partition then offset order, as fetched.
//
//   node interop.js group BROKER OUTDIR TOPIC COUNT
//     kafkajs's consumer in group kj-group-TOPIC reads COUNT messages from
//     the beginning and writes OUTDIR/TOPIC.kjgroup (canonical lines in
//     partition then offset order); after it left, the admin client must
//     find the committed offsets at the high watermarks, the group Empty
//     (describeGroups) and listed (listGroups).
//
//   node interop.js canon < KCAT_OUTPUT
//     Converts kcat output made with
//       -f '%p\t%o\t%T\t%K\t%k\t%S\t%s\t%h\n'
//     to canonical lines (binary-safe thanks to the lengths).
//
// Canonical line: PARTITION OFFSET TIMESTAMP KEY VALUE HEADERS where KEY
// and VALUE are `N` for null or `x` + hex bytes, HEADERS is `-` for none or
// `name=x<hex>` / `name=N` joined by ','.
//
// Not tested here: the kafkajs consumer. It needs consumer groups
// (JoinGroup/SyncGroup/Heartbeat/OffsetCommit), which the broker does not
// implement yet; kcat and the `fetch` mode read the data back instead.

const fs = require('fs')
const path = require('path')

const TOPICS = [
  { topic: 'kj-plain', acks: -1, gzip: false, idempotent: true },
  { topic: 'kj-gzip', acks: 1, gzip: true },
]
// Created here with 3 partitions, filled by kcat with keys.in.
const KCAT_KEYS_TOPIC = 'kc-keys'
const PARTITIONS = 3
const PER_SEND = 250
const BASE_TS = 1700000000000

function die(msg) {
  process.stderr.write(`interop.js: ${msg}\n`)
  process.exit(1)
}

function check(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`)
}

// Deterministic PRNG (mulberry32) so a failing run can be reproduced.
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function hex(b) {
  return b === null ? 'N' : 'x' + Buffer.from(b).toString('hex')
}

function randBytes(r, n, avoid) {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) {
    let v
    do v = Math.floor(r() * 256)
    while (avoid && avoid.includes(v))
    b[i] = v
  }
  return b
}

const PRINTABLE = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/ '
function randText(r, n) {
  let s = ''
  for (let i = 0; i < n; i++) s += PRINTABLE[Math.floor(r() * PRINTABLE.length)]
  return s
}

// Message i of a topic. Keys never contain '\t' or '\n' (they are fed to
// kcat -K '\t'); header values never contain NUL, ',' or '=' and are
// never the text "NULL" (kcat's %h prints name=value,... as C strings, and
// NULL for a null value).
function makeMessage(r, i) {
  const m = { timestamp: String(BASE_TS + i * 7 + Math.floor(r() * 5)) }
  const k = r()
  if (k < 0.1) m.key = null
  else if (k < 0.3) m.key = randBytes(r, 1 + Math.floor(r() * 40), [0x09, 0x0a])
  else if (k < 0.6) m.key = `user-${Math.floor(r() * 300)}` // repeated keys
  else m.key = `k${i}-${randText(r, Math.floor(r() * 20))}`
  const v = r()
  if (v < 0.1) m.value = null
  else if (v < 0.15) m.value = Buffer.alloc(0)
  else if (v < 0.6) m.value = randBytes(r, 1 + Math.floor(r() * 200))
  else m.value = `value ${i} ${randText(r, Math.floor(r() * 100))}`
  const h = r()
  if (h < 0.3) {
    // no headers
  } else if (h < 0.7) {
    m.headers = { trace: `t-${i}` }
  } else if (h < 0.9) {
    m.headers = { a: ['1', randText(r, 5).replace(/ /g, '_')], bin: randBytes(r, 6, [0x00, 0x2c, 0x3d, 0x0a, 0x09]) }
  } else {
    // No null header values: kafkajs 2.2.4 cannot encode them (its
    // sizeOfHeaders calls Buffer.byteLength(null) and throws).
    m.headers = { e: '', trace: `t-${i}` }
  }
  return m
}

function canonHeaders(headers) {
  if (!headers) return '-'
  const out = []
  for (const name of Object.keys(headers)) {
    const vals = Array.isArray(headers[name]) ? headers[name] : [headers[name]]
    for (const v of vals) out.push(`${name}=${v === null ? 'N' : hex(Buffer.from(v))}`)
  }
  return out.length ? out.join(',') : '-'
}

function toBuf(x) {
  return x === null ? null : Buffer.from(x)
}

// kafkajs logs to stdout as JSON; send it to stderr, minus the ERROR line
// it prints for the TOPIC_ALREADY_EXISTS this script provokes on purpose
// (createTopics still has to return false for it, checked below).
const quietLog = () => ({ namespace, label, log }) => {
  if (namespace === 'Connection' && String(log.message).startsWith('Response CreateTopics') && log.error === 'Topic creation errors')
    return
  process.stderr.write(`kafkajs ${label} [${namespace}]: ${JSON.stringify(log)}\n`)
}

async function produce(broker, outdir, count) {
  // Required lazily: `canon` mode must not need node_modules.
  const { Kafka, CompressionTypes, Partitioners, logLevel, ConfigResourceTypes } = require('kafkajs')
  const kafka = new Kafka({
    clientId: 'strand-kafkajs-interop',
    brokers: [broker],
    logLevel: logLevel.WARN,
    logCreator: quietLog,
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retry: { retries: 2 },
  })
  const [host, port] = broker.split(':')

  const admin = kafka.admin()
  await admin.connect()
  const topics = [...TOPICS.map(t => t.topic), KCAT_KEYS_TOPIC]
  const created = await admin.createTopics({
    topics: topics.map(topic => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
    waitForLeaders: true,
    timeout: 10000,
  })
  check(created === true, `createTopics returned ${created}, expected true`)
  const again = await admin.createTopics({
    topics: [{ topic: topics[0], numPartitions: PARTITIONS }],
    timeout: 10000,
  })
  check(again === false, `createTopics of an existing topic returned ${again}, expected false`)

  const listed = await admin.listTopics()
  for (const t of topics) check(listed.includes(t), `listTopics ${JSON.stringify(listed)} lacks ${t}`)

  const cluster = await admin.describeCluster()
  check(cluster.brokers.length === 1, `describeCluster: ${JSON.stringify(cluster.brokers)}`)
  const self = cluster.brokers[0]
  check(self.host === host && String(self.port) === port, `describeCluster: broker ${JSON.stringify(self)} is not ${broker}`)
  check(cluster.controller === self.nodeId, `describeCluster: controller ${cluster.controller} is not ${self.nodeId}`)

  const meta = await admin.fetchTopicMetadata({ topics })
  check(meta.topics.length === topics.length, `fetchTopicMetadata returned ${meta.topics.length} topics`)
  for (const t of meta.topics) {
    check(topics.includes(t.name), `fetchTopicMetadata: unexpected topic ${t.name}`)
    const ids = t.partitions.map(p => p.partitionId).sort()
    check(JSON.stringify(ids) === JSON.stringify([0, 1, 2]), `${t.name}: partitions ${JSON.stringify(ids)}`)
    for (const p of t.partitions) {
      check(p.partitionErrorCode === 0, `${t.name}[${p.partitionId}]: error ${p.partitionErrorCode}`)
      check(p.leader === self.nodeId, `${t.name}[${p.partitionId}]: leader ${p.leader}, broker is ${self.nodeId}`)
      check(JSON.stringify(p.replicas) === JSON.stringify([self.nodeId]), `${t.name}[${p.partitionId}]: replicas ${p.replicas}`)
      check(JSON.stringify(p.isr) === JSON.stringify([self.nodeId]), `${t.name}[${p.partitionId}]: isr ${p.isr}`)
    }
  }

  for (const t of topics) {
    const offs = await admin.fetchTopicOffsets(t)
    check(offs.length === PARTITIONS, `${t}: fetchTopicOffsets returned ${offs.length} partitions`)
    for (const o of offs)
      check(o.low === '0' && o.high === '0' && o.offset === '0', `${t}[${o.partition}] before producing: ${JSON.stringify(o)}`)
  }

  // The DefaultPartitioner, observed: remember where each message went.
  const placed = new Map()
  const createPartitioner = () => {
    const inner = Partitioners.DefaultPartitioner()
    return args => {
      const p = inner(args)
      placed.set(args.message, p)
      return p
    }
  }
  const plainProducer = kafka.producer({ createPartitioner, allowAutoTopicCreation: false })
  // kj-plain goes through an idempotent producer (InitProducerId, producer
  // id and sequences in every batch); kafkajs requires acks -1 for it.
  const idemProducer = kafka.producer({ createPartitioner, allowAutoTopicCreation: false, idempotent: true })
  await plainProducer.connect()
  await idemProducer.connect()

  const keys = new Map() // hex -> raw key
  for (const [ti, spec] of TOPICS.entries()) {
    const r = rng(0x5eed + ti)
    const producer = spec.idempotent ? idemProducer : plainProducer
    const next = new Array(PARTITIONS).fill(0) // next offset per partition
    const lines = []
    for (let start = 0; start < count; start += PER_SEND) {
      const batch = []
      for (let i = start; i < Math.min(count, start + PER_SEND); i++) batch.push(makeMessage(r, i))
      const meta = await producer.send({
        topic: spec.topic,
        messages: batch,
        acks: spec.acks,
        timeout: 10000,
        compression: spec.gzip ? CompressionTypes.GZIP : CompressionTypes.None,
      })
      const perPart = new Array(PARTITIONS).fill(0)
      for (const m of batch) {
        const p = placed.get(m)
        check(p !== undefined, 'a message did not go through the partitioner')
        const key = toBuf(m.key)
        if (key !== null) keys.set(hex(key), key)
        lines.push({ p, o: next[p] + perPart[p], line: `${m.timestamp} ${hex(key)} ${hex(toBuf(m.value))} ${canonHeaders(m.headers)}` })
        perPart[p]++
      }
      const used = perPart.filter(n => n > 0).length
      check(meta.length === used, `${spec.topic}: send answered for ${meta.length} partitions, used ${used}`)
      for (const rm of meta) {
        check(rm.topicName === spec.topic && rm.errorCode === 0, `${spec.topic}: send result ${JSON.stringify(rm)}`)
        check(rm.baseOffset === String(next[rm.partition]), `${spec.topic}[${rm.partition}]: base offset ${rm.baseOffset}, expected ${next[rm.partition]}`)
      }
      for (let p = 0; p < PARTITIONS; p++) next[p] += perPart[p]
    }
    check(next.every(n => n > 0), `${spec.topic}: some partition got no messages: ${next}`)
    lines.sort((a, b) => a.p - b.p || a.o - b.o)
    fs.writeFileSync(path.join(outdir, `${spec.topic}.exp`), lines.map(l => `${l.p} ${l.o} ${l.line}\n`).join(''))

    const offs = await admin.fetchTopicOffsets(spec.topic)
    for (const o of offs)
      check(o.low === '0' && o.high === String(next[o.partition]), `${spec.topic}[${o.partition}] after producing: ${JSON.stringify(o)}, expected high ${next[o.partition]}`)
    process.stderr.write(`interop.js: ${spec.topic}: ${count} messages produced (acks ${spec.acks}, ${spec.gzip ? 'gzip' : 'uncompressed'}${spec.idempotent ? ', idempotent' : ''}), per partition ${next.join('/')}\n`)
  }
  await plainProducer.disconnect()
  await idemProducer.disconnect()
  await adminExtras(admin, ConfigResourceTypes, self.nodeId, path.join(outdir, 'kj-plain.exp'))
  await admin.disconnect()

  const input = []
  let i = 0
  for (const key of keys.values()) input.push(Buffer.concat([key, Buffer.from(`\t${i++}\n`)]))
  fs.writeFileSync(path.join(outdir, 'keys.in'), Buffer.concat(input))
}

// The rest of the admin surface kafkajs offers and the broker implements:
// ListOffsets by timestamp, DescribeConfigs, CreatePartitions, DeleteTopics.
async function adminExtras(admin, ConfigResourceTypes, nodeId, plainExp) {
  // Timestamps grow with the message number, so per partition the answer
  // is the first offset whose timestamp is >= ts.
  const rows = fs.readFileSync(plainExp, 'utf8').trim().split('\n').map(l => l.split(' '))
  const ts = Number(rows[Math.floor(rows.length / 2)][2])
  const want = new Array(PARTITIONS).fill(null)
  for (const [p, o, t] of rows) if (Number(t) >= ts && want[p] === null) want[p] = o
  const byTs = await admin.fetchTopicOffsetsByTimestamp('kj-plain', ts)
  check(byTs.length === PARTITIONS, `fetchTopicOffsetsByTimestamp returned ${byTs.length} partitions`)
  for (const { partition, offset } of byTs)
    check(offset === want[partition], `fetchTopicOffsetsByTimestamp(kj-plain, ${ts})[${partition}] = ${offset}, expected ${want[partition]}`)

  const cfg = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kj-plain' }], includeSynonyms: false })
  check(cfg.resources.length === 1, `describeConfigs returned ${cfg.resources.length} resources`)
  const res = cfg.resources[0]
  check(res.errorCode === 0 && res.resourceName === 'kj-plain', `describeConfigs: ${JSON.stringify(res).slice(0, 300)}`)
  const policy = res.configEntries.find(e => e.configName === 'cleanup.policy')
  check(policy && policy.configValue === 'delete', `describeConfigs: cleanup.policy is ${JSON.stringify(policy)}`)

  const topic = 'kj-admin'
  check(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], timeout: 10000 }) === true, `createTopics ${topic}`)
  await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }], timeout: 10000 })
  const meta = await admin.fetchTopicMetadata({ topics: [topic] })
  const ids = meta.topics[0].partitions.map(p => p.partitionId).sort()
  check(JSON.stringify(ids) === '[0,1,2]', `after createPartitions(${topic}, 3): partitions ${JSON.stringify(ids)}`)
  check(meta.topics[0].partitions.every(p => p.leader === nodeId), `after createPartitions: leaders ${JSON.stringify(meta.topics[0].partitions)}`)
  await admin.deleteTopics({ topics: [topic], timeout: 10000 })
  const listed = await admin.listTopics()
  check(!listed.includes(topic) && listed.includes('kj-plain'), `listTopics after deleteTopics(${topic}): ${JSON.stringify(listed)}`)
}

// Read TOPIC back through kafkajs's own Fetch (v11, READ_COMMITTED like its
// consumer) and record-batch decoder, gzip included. The consumer itself
// needs consumer groups, so this goes through kafkajs's internal cluster
// object (private in 2.2.4, which package.json pins exactly): one Fetch per
// round trip, partition by partition, until the high watermark, with a
// small per-partition maxBytes so that answers end mid-log (and often
// mid-batch).
async function fetchTopic(broker, outdir, topic) {
  const { Kafka, logLevel } = require('kafkajs')
  const kafka = new Kafka({
    clientId: 'strand-kafkajs-interop-fetch',
    brokers: [broker],
    logLevel: logLevel.WARN,
    logCreator: quietLog,
    retry: { retries: 2 },
  })
  const sym = Object.getOwnPropertySymbols(kafka).find(x => String(x) === 'Symbol(private:Kafka:createCluster)')
  check(sym !== undefined, 'kafkajs internals changed: no createCluster symbol')
  const cluster = kafka[sym]({ metadataMaxAge: 300000, allowAutoTopicCreation: false })
  await cluster.connect()
  await cluster.addTargetTopic(topic)
  const parts = cluster.findTopicPartitionMetadata(topic).map(p => p.partitionId).sort()
  check(parts.length === PARTITIONS, `${topic}: metadata lists ${parts.length} partitions`)
  const out = []
  let fetches = 0
  for (const partition of parts) {
    const leaders = Object.keys(cluster.findLeaderForPartitions(topic, [partition]))
    check(leaders.length === 1, `${topic}[${partition}]: leaders ${leaders}`)
    const leader = await cluster.findBroker({ nodeId: leaders[0] })
    let offset = 0
    let hw = -1
    for (let idle = 0; hw < 0 || offset < hw; ) {
      const res = await leader.fetch({
        replicaId: -1,
        isolationLevel: 1, // READ_COMMITTED, kafkajs's consumer default
        maxWaitTime: 100,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: 16 << 10 }] }],
      })
      fetches++
      check(res.errorCode === 0, `Fetch ${topic}[${partition}]@${offset}: top-level error ${res.errorCode}`)
      check(res.responses.length === 1 && res.responses[0].topicName === topic, `Fetch ${topic}: responses ${JSON.stringify(res.responses).slice(0, 200)}`)
      const pr = res.responses[0].partitions
      check(pr.length === 1 && pr[0].partition === partition, `Fetch ${topic}[${partition}]: partitions ${JSON.stringify(pr).slice(0, 200)}`)
      check(pr[0].errorCode === 0, `Fetch ${topic}[${partition}]@${offset}: error ${pr[0].errorCode}`)
      hw = Number(pr[0].highWatermark)
      check(pr[0].lastStableOffset === pr[0].highWatermark, `Fetch ${topic}[${partition}]: last stable offset ${pr[0].lastStableOffset}, high watermark ${hw}`)
      const before = offset
      for (const m of pr[0].messages) {
        const o = Number(m.offset)
        if (o < offset) continue // a batch may start before the fetch offset
        check(o === offset, `Fetch ${topic}[${partition}]: offset ${o} after ${offset - 1}`)
        out.push(`${partition} ${o} ${m.timestamp} ${hex(m.key)} ${hex(m.value)} ${canonHeaders(m.headers)}\n`)
        offset++
      }
      idle = offset === before ? idle + 1 : 0
      check(idle < 5, `Fetch ${topic}[${partition}]@${offset}: no progress below high watermark ${hw} in 5 fetches`)
    }
  }
  await cluster.disconnect()
  fs.writeFileSync(path.join(outdir, `${topic}.kjfetch`), out.join(''))
  process.stderr.write(`interop.js: ${topic}: ${out.length} messages fetched by kafkajs in ${fetches} Fetch requests\n`)
}

// The kafkajs consumer in a consumer group: reads TOPIC from the beginning
// until COUNT messages arrived (auto-commit), writes OUTDIR/TOPIC.kjgroup
// (canonical lines in partition then offset order), leaves the group, then
// checks with the admin client that the group's committed offsets are the
// partitions' high watermarks and that the group is Empty.
async function groupConsume(broker, outdir, topic, count) {
  const { Kafka, logLevel } = require('kafkajs')
  const kafka = new Kafka({
    clientId: 'strand-kafkajs-interop-group',
    brokers: [broker],
    logLevel: logLevel.WARN,
    logCreator: quietLog,
    retry: { retries: 5 },
  })
  const groupId = `kj-group-${topic}`
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 500 })
  const got = []
  let done
  const finished = new Promise(resolve => { done = resolve })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message: m }) => {
      got.push([partition, Number(m.offset), `${partition} ${m.offset} ${m.timestamp} ${hex(m.key)} ${hex(m.value)} ${canonHeaders(m.headers)}\n`])
      if (got.length >= count) done()
    },
  })
  const timer = setTimeout(() => die(`${topic}: the kafkajs consumer got ${got.length} of ${count} messages in 60 s`), 60000)
  await finished
  clearTimeout(timer)
  await consumer.disconnect() // commits what was consumed, then LeaveGroup
  got.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  fs.writeFileSync(path.join(outdir, `${topic}.kjgroup`), got.map(x => x[2]).join(''))
  const admin = kafka.admin()
  await admin.connect()
  const ends = await admin.fetchTopicOffsets(topic)
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] })
  check(committed.length === 1 && committed[0].topic === topic, `fetchOffsets: ${JSON.stringify(committed)}`)
  for (const e of ends) {
    const c = committed[0].partitions.find(p => p.partition === e.partition)
    check(c && c.offset === e.high, `${groupId} ${topic}[${e.partition}]: committed ${c && c.offset}, high watermark ${e.high}`)
  }
  const { groups } = await admin.describeGroups([groupId])
  check(groups.length === 1 && groups[0].state === 'Empty' && groups[0].protocolType === 'consumer',
    `describeGroups: ${JSON.stringify(groups).slice(0, 300)}`)
  const listed = await admin.listGroups()
  check(listed.groups.some(g => g.groupId === groupId), `listGroups: ${JSON.stringify(listed).slice(0, 300)}`)
  await admin.disconnect()
  process.stderr.write(`interop.js: ${topic}: ${got.length} messages consumed by a kafkajs consumer group, offsets committed\n`)
}

// Parse kcat -f '%p\t%o\t%T\t%K\t%k\t%S\t%s\t%h\n' from stdin.
function canon() {
  const buf = fs.readFileSync(0)
  let pos = 0
  const out = []
  const field = delim => {
    const end = buf.indexOf(delim, pos)
    if (end < 0) throw new Error(`kcat output: missing delimiter after byte ${pos}`)
    const s = buf.toString('latin1', pos, end)
    pos = end + 1
    return s
  }
  const sized = () => {
    const len = Number(field(0x09))
    if (!Number.isInteger(len)) throw new Error(`kcat output: bad length at byte ${pos}`)
    if (len < 0) {
      if (buf[pos++] !== 0x09) throw new Error(`kcat output: expected tab at byte ${pos - 1}`)
      return 'N'
    }
    const b = buf.subarray(pos, pos + len)
    pos += len
    if (b.length !== len || buf[pos++] !== 0x09) throw new Error(`kcat output: short field at byte ${pos}`)
    return hex(b)
  }
  while (pos < buf.length) {
    const p = field(0x09)
    const o = field(0x09)
    const t = field(0x09)
    const k = sized()
    const v = sized()
    const h = field(0x0a)
    const hs = h === '' ? '-' : h.split(',').map(x => {
      const eq = x.indexOf('=')
      if (eq < 0) throw new Error(`kcat output: bad header ${JSON.stringify(x)}`)
      const val = x.slice(eq + 1)
      return `${x.slice(0, eq)}=${val === 'NULL' ? 'N' : hex(Buffer.from(val, 'latin1'))}`
    }).join(',')
    out.push(`${p} ${o} ${t} ${k} ${v} ${hs}\n`)
  }
  process.stdout.write(out.join(''))
}

async function main() {
  const [mode, ...args] = process.argv.slice(2)
  if (mode === 'produce' && (args.length === 2 || args.length === 3)) {
    const count = args.length === 3 ? Number(args[2]) : 5000
    if (!Number.isInteger(count) || count <= 0) die(`bad COUNT ${args[2]}`)
    await produce(args[0], args[1], count)
  } else if (mode === 'fetch' && args.length >= 3) {
    for (const topic of args.slice(2)) await fetchTopic(args[0], args[1], topic)
  } else if (mode === 'group' && args.length === 4) {
    await groupConsume(args[0], args[1], args[2], Number(args[3]))
  } else if (mode === 'canon' && args.length === 0) {
    canon()
  } else {
    die('usage: interop.js produce BROKER OUTDIR [COUNT] | fetch BROKER OUTDIR TOPIC... | group BROKER OUTDIR TOPIC COUNT | canon < KCAT_OUTPUT')
  }
}

main().catch(e => die(e && e.stack ? e.stack : String(e)))
