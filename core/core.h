// accord/core: the pure domain. No I/O, no clock, no storage, no threads.
//
//   fuzzy_date.h       dates that keep their source's precision
//   event_types.h      stored event types, schema versions, upcasters
//   agreement_state.h  evolve: state + event -> state
//   decider.h          decide: command + state -> events | typed rejection
//   limits.h           how long each text, id and list of a command may be
//   entry_into_force.h is an agreement in force on a given day
//   schedule.h         is a planned milestone fulfilled, planned or overdue
//   summary.h          the agreement summary projection
//   timeline.h         the timeline projection
//   as_of.h            an agreement as recorded at a moment, or as true on a day
//   checkpoint.h       signed C2SP checkpoints (Ed25519 signed notes)
//   hash.h             SHA-256 and hex, the one wrapper over OpenSSL's digest
//   merkle.h           RFC 6962 Merkle tree hashes, proofs and the growing frontier
//   proof_check.h      checks signed checkpoints and inclusion and consistency proofs
//   audit.h            the audit report of one agreement
//   report.h           the agreements report, by replaying the log
//   histogram.h        lock-free histograms (fixed buckets) for the metrics
//
// Everything here returns values (Expected, Rejection) and never throws.
// Depends only on proto/ (accord_proto), fmt and OpenSSL's libcrypto.
#pragma once

#include "core/agreement_state.h"
#include "core/as_of.h"
#include "core/audit.h"
#include "core/checkpoint.h"
#include "core/decider.h"
#include "core/entry_into_force.h"
#include "core/event_types.h"
#include "core/fuzzy_date.h"
#include "core/hash.h"
#include "core/histogram.h"
#include "core/limits.h"
#include "core/merkle.h"
#include "core/proof_check.h"
#include "core/report.h"
#include "core/schedule.h"
#include "core/summary.h"
#include "core/timeline.h"
