#include "app/paging.h"

#include <algorithm>

namespace accord::app {
namespace {

// A repeated message field's tag and length prefix.
constexpr size_t kItemTagBytes = 16;

}  // namespace

size_t PageBudget(size_t page_bytes, uint32_t max_frame_bytes) {
  size_t frame_room = max_frame_bytes > kResponseEnvelopeBytes
                          ? max_frame_bytes - kResponseEnvelopeBytes
                          : max_frame_bytes / 2;
  return std::max<size_t>(1, std::min(page_bytes, frame_room));
}

bool FitsInFrame(size_t item_bytes, uint32_t max_frame_bytes) {
  return item_bytes + kItemTagBytes + kResponseEnvelopeBytes <= max_frame_bytes;
}

bool PageCutter::Admit(size_t item_bytes) {
  size_t with = bytes_ + item_bytes + kItemTagBytes;
  if (items_ > 0 && with > budget_) return false;
  bytes_ = with;
  ++items_;
  return true;
}

}  // namespace accord::app
