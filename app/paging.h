// Responses that fit in a frame: how listings and log reads are cut by
// bytes as well as by count, so that no answer is larger than the frame
// limit and one large agreement never breaks a listing.
//
//   PageCutter page(PageBudget(options.page_bytes, options.max_frame_bytes));
//   for (const auto& item : items) {
//     if (!page.Admit(item.ByteSizeLong())) break;  // the next page starts here
//     ... add item ...
//   }
//
// A page always takes its first item, so a reader always moves on; an item
// that alone would not fit in a frame (FitsInFrame) is answered with a
// typed error, or abridged, by the caller.
// Thread safety: a PageCutter is one response's; the functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>

namespace accord::app {

// What a response's envelope and an item's field tag may add to the items.
inline constexpr size_t kResponseEnvelopeBytes = 4 << 10;

// The bytes a page of items may fill: page_bytes, and never so much that
// the response would pass the frame limit.
size_t PageBudget(size_t page_bytes, uint32_t max_frame_bytes);

// Whether a response holding one item of `item_bytes` fits in a frame.
bool FitsInFrame(size_t item_bytes, uint32_t max_frame_bytes);

class PageCutter {
 public:
  explicit PageCutter(size_t budget) : budget_(budget) {}

  // Whether an item of `item_bytes` (its serialized size) joins the page:
  // the first always does; the others while the page stays in the budget.
  bool Admit(size_t item_bytes);

  size_t items() const { return items_; }
  size_t bytes() const { return bytes_; }

 private:
  size_t budget_;
  size_t items_ = 0;
  size_t bytes_ = 0;
};

}  // namespace accord::app
