/*
 * test_proto_fuzz.c - every decoder of wire/protocol.h against random and
 * mutated input.
 *
 * A decoder must never crash or read out of bounds (the sanitizer build
 * checks that), must return 0 or a wire_status, and whatever it accepts
 * must be canonical: for the non-flexible versions re-encoding the decoded
 * message gives back exactly the bytes consumed. The generator is a fixed
 * xorshift PRNG biased towards 0x00/0x01/0xff so that counts and lengths
 * are often small or -1 and decoding gets deep into the message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "wire/protocol.h"
#include "test_proto_helpers.h"

CODEC(api_versions_req);
CODEC(api_versions_resp);
CODEC(metadata_req);
CODEC(metadata_resp);
CODEC(produce_req);
CODEC(produce_resp);
CODEC(fetch_req);
CODEC(fetch_resp);
CODEC(list_offsets_req);
CODEC(list_offsets_resp);
CODEC(find_coordinator_req);
CODEC(find_coordinator_resp);
CODEC(create_topics_req);
CODEC(create_topics_resp);
CODEC(delete_topics_req);
CODEC(delete_topics_resp);
CODEC(create_partitions_req);
CODEC(create_partitions_resp);
CODEC(describe_configs_req);
CODEC(describe_configs_resp);
CODEC(join_group_req);
CODEC(join_group_resp);
CODEC(sync_group_req);
CODEC(sync_group_resp);
CODEC(heartbeat_req);
CODEC(heartbeat_resp);
CODEC(leave_group_req);
CODEC(leave_group_resp);
CODEC(offset_commit_req);
CODEC(offset_commit_resp);
CODEC(offset_fetch_req);
CODEC(offset_fetch_resp);
CODEC(list_groups_req);
CODEC(list_groups_resp);
CODEC(describe_groups_req);
CODEC(describe_groups_resp);
CODEC(delete_groups_req);
CODEC(delete_groups_resp);
CODEC(controlled_shutdown_req);
CODEC(controlled_shutdown_resp);
CODEC(elect_leaders_req);
CODEC(elect_leaders_resp);

typedef struct api_codecs {
    int16_t api_key;
    const codec *req;
    const codec *resp;
} api_codecs;

static const api_codecs apis[] = {
    {KAFKA_API_API_VERSIONS, &codec_api_versions_req, &codec_api_versions_resp},
    {KAFKA_API_METADATA, &codec_metadata_req, &codec_metadata_resp},
    {KAFKA_API_PRODUCE, &codec_produce_req, &codec_produce_resp},
    {KAFKA_API_FETCH, &codec_fetch_req, &codec_fetch_resp},
    {KAFKA_API_LIST_OFFSETS, &codec_list_offsets_req, &codec_list_offsets_resp},
    {KAFKA_API_FIND_COORDINATOR, &codec_find_coordinator_req, &codec_find_coordinator_resp},
    {KAFKA_API_CREATE_TOPICS, &codec_create_topics_req, &codec_create_topics_resp},
    {KAFKA_API_DELETE_TOPICS, &codec_delete_topics_req, &codec_delete_topics_resp},
    {KAFKA_API_CREATE_PARTITIONS, &codec_create_partitions_req, &codec_create_partitions_resp},
    {KAFKA_API_DESCRIBE_CONFIGS, &codec_describe_configs_req, &codec_describe_configs_resp},
    {KAFKA_API_JOIN_GROUP, &codec_join_group_req, &codec_join_group_resp},
    {KAFKA_API_SYNC_GROUP, &codec_sync_group_req, &codec_sync_group_resp},
    {KAFKA_API_HEARTBEAT, &codec_heartbeat_req, &codec_heartbeat_resp},
    {KAFKA_API_LEAVE_GROUP, &codec_leave_group_req, &codec_leave_group_resp},
    {KAFKA_API_OFFSET_COMMIT, &codec_offset_commit_req, &codec_offset_commit_resp},
    {KAFKA_API_OFFSET_FETCH, &codec_offset_fetch_req, &codec_offset_fetch_resp},
    {KAFKA_API_LIST_GROUPS, &codec_list_groups_req, &codec_list_groups_resp},
    {KAFKA_API_DESCRIBE_GROUPS, &codec_describe_groups_req, &codec_describe_groups_resp},
    {KAFKA_API_DELETE_GROUPS, &codec_delete_groups_req, &codec_delete_groups_resp},
    {KAFKA_API_CONTROLLED_SHUTDOWN, &codec_controlled_shutdown_req,
     &codec_controlled_shutdown_resp},
    {KAFKA_API_ELECT_LEADERS, &codec_elect_leaders_req, &codec_elect_leaders_resp},
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static uint8_t rnd_byte(void) {
    uint32_t k = rnd() % 16;
    if (k < 7)
        return 0x00;
    if (k < 10)
        return 0x01;
    if (k < 12)
        return 0xff;
    if (k < 13)
        return 0x02;
    return (uint8_t)rnd();
}

/* Decode `buf` with `c`; check the status and, if accepted, canonicity. */
static int fuzz_one(const codec *c, int16_t v, int flexible, const uint8_t *buf, size_t len,
                    void *tmp) {
    wire_arena a;
    wire_arena_init(&a);
    wire_reader r;
    wire_reader_init(&r, buf, len);
    int rc = c->dec(&r, v, &a, tmp);
    assert_true(rc == WIRE_OK || rc == WIRE_ERR_SHORT || rc == WIRE_ERR_INVALID ||
                rc == WIRE_ERR_NOMEM);
    if (rc == 0) {
        assert_true(r.pos <= len);
        wire_writer w;
        wire_writer_init(&w);
        c->enc(&w, v, tmp);
        assert_int_equal(w.err, 0);
        if (!flexible) {
            assert_int_equal(w.len, r.pos);
            if (w.len)
                assert_memory_equal(w.p, buf, w.len);
        }
        wire_writer_free(&w);
    }
    wire_arena_free(&a);
    return rc == 0;
}

static void fuzz_codec(const codec *c, int16_t api_key, int16_t v, size_t rounds,
                       size_t *accepted) {
    uint8_t buf[512];
    void *tmp = malloc(c->size);
    assert_non_null(tmp);
    int flexible = proto_is_flexible(api_key, v);
    for (size_t i = 0; i < rounds; i++) {
        size_t len = rnd() % sizeof(buf);
        if (rnd() % 2)
            len %= 48;
        for (size_t k = 0; k < len; k++)
            buf[k] = rnd_byte();
        *accepted += (size_t)fuzz_one(c, v, flexible, buf, len, tmp);
    }
    free(tmp);
}

static void test_fuzz_random(void **state) {
    (void)state;
    size_t accepted = 0, total = 0;
    for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++) {
        const proto_api_range *range = proto_api_range_find(apis[i].api_key);
        assert_non_null(range);
        for (int16_t v = (int16_t)(range->min_version - 1); v <= range->max_version + 1; v++) {
            fuzz_codec(apis[i].req, apis[i].api_key, v, 3000, &accepted);
            fuzz_codec(apis[i].resp, apis[i].api_key, v, 3000, &accepted);
            total += 6000;
        }
    }
    /* The generator must reach accepting paths, or the canonicity check
     * above never ran. */
    assert_true(accepted > total / 100);
}

/* Flip bytes of valid messages: deeper paths than random input reaches. */
static void test_fuzz_mutations(void **state) {
    (void)state;
    int32_t ids[] = {1, 2, 3};
    proto_metadata_broker b = {1, wire_str_from("host-1"), 9092, wire_str_from("r")};
    proto_metadata_partition p = {0, 0, 1, 4, 3, ids, 2, ids, 1, ids};
    proto_metadata_topic t = {0, wire_str_from("orders"), 0, 1, &p, 0};
    proto_metadata_resp md = {0, 1, &b, wire_str_from("c"), 1, 1, &t, 0};
    static const uint8_t rec[] = {1, 2, 3, 4, 5};
    proto_fetch_aborted_txn ab = {5, 6};
    proto_fetch_resp_partition fp = {.aborted_count = 1, .aborted = &ab, .records = {rec, 5}};
    proto_fetch_resp_topic ft = {wire_str_from("orders"), 1, &fp};
    proto_fetch_resp fr = {0, 0, 0, 1, &ft};
    struct {
        const codec *c;
        int16_t api, v;
        const void *msg;
    } seeds[] = {
        {&codec_metadata_resp, KAFKA_API_METADATA, 8, &md},
        {&codec_metadata_resp, KAFKA_API_METADATA, 1, &md},
        {&codec_fetch_resp, KAFKA_API_FETCH, 11, &fr},
        {&codec_fetch_resp, KAFKA_API_FETCH, 4, &fr},
    };
    for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
        wire_writer w;
        wire_writer_init(&w);
        seeds[s].c->enc(&w, seeds[s].v, seeds[s].msg);
        assert_int_equal(w.err, 0);
        uint8_t *buf = malloc(w.len);
        void *tmp = malloc(seeds[s].c->size);
        assert_non_null(buf);
        assert_non_null(tmp);
        size_t accepted = 0;
        for (int i = 0; i < 20000; i++) {
            memcpy(buf, w.p, w.len);
            int flips = 1 + (int)(rnd() % 3);
            for (int k = 0; k < flips; k++)
                buf[rnd() % w.len] = (rnd() % 2) ? rnd_byte() : (uint8_t)rnd();
            accepted += (size_t)fuzz_one(seeds[s].c, seeds[s].v, 0, buf, w.len, tmp);
        }
        assert_true(accepted > 0);
        free(tmp);
        free(buf);
        wire_writer_free(&w);
    }
}

/* Request headers of any key and version either parse or fail cleanly. */
static void test_fuzz_req_header(void **state) {
    (void)state;
    uint8_t buf[64];
    for (int i = 0; i < 50000; i++) {
        size_t len = rnd() % sizeof(buf);
        for (size_t k = 0; k < len; k++)
            buf[k] = rnd_byte();
        if (len >= 2 && rnd() % 2) {
            buf[0] = 0;
            buf[1] = (uint8_t)(rnd() % 40);
        }
        wire_reader r;
        wire_reader_init(&r, buf, len);
        proto_req_header h;
        int rc = proto_req_header_decode(&r, &h);
        assert_true(rc == 0 || rc == WIRE_ERR_SHORT || rc == WIRE_ERR_INVALID);
        if (rc == 0) {
            assert_true(r.pos <= len);
            assert_true(h.client_id.len >= -1);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_random),
        cmocka_unit_test(test_fuzz_mutations),
        cmocka_unit_test(test_fuzz_req_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
