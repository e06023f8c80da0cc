/*
 * A stand-in for a MixRec worker written in C, built with protobuf-c from the same proto/ files as the Swift code.
 * It proves the cluster protocol is not Swift-only (Tests/ClusterTests/Interop/CInteropTests.swift builds and
 * runs it):
 *
 *   c-worker ASSIGNMENT_FILE RESULT_FILE [PARAMETER_FRAME_FILE]
 *
 * reads an Envelope holding a TrialAssignment (encoded by Swift), prints its fields as key=value lines, checks the
 * CRC-32C of the resume parameter frame if given, and writes an Envelope holding the TrialResult of that trial.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mixrec/cluster/v1/envelope.pb-c.h"

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    uint8_t *bytes = malloc(length > 0 ? (size_t)length : 1);
    *size = bytes ? fread(bytes, 1, (size_t)length, file) : 0;
    fclose(file);
    return bytes;
}

/* CRC-32C (Castagnoli), bit at a time: the checksum of MixRec parameter frames. */
static uint32_t crc32c(const uint8_t *bytes, size_t size) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; i++) {
        crc ^= bytes[i];
        for (int bit = 0; bit < 8; bit++) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
    return ~crc;
}

static int fail(const char *message) {
    fprintf(stderr, "c-worker: %s\n", message);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) return fail("usage: c-worker ASSIGNMENT_FILE RESULT_FILE [PARAMETER_FRAME_FILE]");
    size_t size = 0;
    uint8_t *bytes = read_file(argv[1], &size);
    if (!bytes) return fail("cannot read the assignment file");
    Mixrec__Cluster__V1__Envelope *envelope = mixrec__cluster__v1__envelope__unpack(NULL, size, bytes);
    free(bytes);
    if (!envelope) return fail("the assignment does not decode");
    if (envelope->protocol_version != 1) return fail("unexpected protocol version");
    if (envelope->body_case != MIXREC__CLUSTER__V1__ENVELOPE__BODY_ASSIGNMENT) return fail("not a TrialAssignment");

    const Mixrec__Cluster__V1__TrialAssignment *assignment = envelope->assignment;
    printf("sequence=%llu\n", (unsigned long long)envelope->sequence);
    printf("trial_id=%llu\n", (unsigned long long)assignment->trial_id);
    printf("attempt=%u\n", assignment->attempt);
    printf("group_id=%llu\n", (unsigned long long)assignment->group_id);
    printf("rank=%u\n", assignment->rank);
    printf("world_size=%u\n", assignment->world_size);
    for (size_t i = 0; i < assignment->n_peers; i++) {
        const Mixrec__Cluster__V1__GroupPeer *peer = assignment->peers[i];
        printf("peer=%u %s %s\n", peer->rank, peer->worker_id, peer->endpoint);
    }
    printf("config_json=%s\n", assignment->config_json);
    printf("max_epochs=%u\n", assignment->max_epochs);
    printf("seed=%llu\n", (unsigned long long)assignment->seed);
    if (assignment->resume) {
        printf("resume_epoch=%u\n", assignment->resume->epoch);
        printf("resume_bytes=%llu\n", (unsigned long long)assignment->resume->byte_length);
        if (argc > 3) {
            size_t frame_size = 0;
            uint8_t *frame = read_file(argv[3], &frame_size);
            if (!frame) return fail("cannot read the parameter frame");
            int intact = frame_size == assignment->resume->byte_length &&
                         crc32c(frame, frame_size) == assignment->resume->crc32c;
            printf("resume_checksum=%s\n", intact ? "ok" : "mismatch");
            free(frame);
        }
    }

    Mixrec__Cluster__V1__Metric valid = MIXREC__CLUSTER__V1__METRIC__INIT;
    valid.name = "valid/ndcg@10";
    valid.value = 0.25;
    Mixrec__Cluster__V1__Metric test = MIXREC__CLUSTER__V1__METRIC__INIT;
    test.name = "test/ndcg@10";
    test.value = 0.125;
    Mixrec__Cluster__V1__Metric *metrics[] = {&valid, &test};

    Mixrec__Cluster__V1__TrialResult result = MIXREC__CLUSTER__V1__TRIAL_RESULT__INIT;
    result.trial_id = assignment->trial_id;
    result.attempt = assignment->attempt;
    result.n_metrics = 2;
    result.metrics = metrics;
    result.seconds = 3.5;
    result.epochs = assignment->max_epochs;

    Mixrec__Cluster__V1__Envelope reply = MIXREC__CLUSTER__V1__ENVELOPE__INIT;
    reply.protocol_version = 1;
    reply.sequence = 1;
    reply.body_case = MIXREC__CLUSTER__V1__ENVELOPE__BODY_RESULT;
    reply.result = &result;
    size_t packed_size = mixrec__cluster__v1__envelope__get_packed_size(&reply);
    uint8_t *packed = malloc(packed_size);
    if (!packed) return fail("out of memory");
    mixrec__cluster__v1__envelope__pack(&reply, packed);
    mixrec__cluster__v1__envelope__free_unpacked(envelope, NULL);

    FILE *out = fopen(argv[2], "wb");
    if (!out || fwrite(packed, 1, packed_size, out) != packed_size) return fail("cannot write the result file");
    fclose(out);
    free(packed);
    return 0;
}
