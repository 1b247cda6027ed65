// HttpResponseReader on arbitrary bytes from a server. The first input byte says how the rest is
// cut into reads (1..255 bytes each); the outcome must not depend on the cut: the same steps, the
// same head, the same body as when everything arrives at once. The reader never yields more
// body than it was given, never accepts a header section over its limit, and fails with a
// one-line message.
#include "fuzzsupport.h"

#include "net/HttpResponseReader.h"

using namespace Qt::StringLiterals;
using namespace pw;

namespace {
struct Outcome
{
    HttpResponseReader::Step end = HttpResponseReader::Step::NeedMore;
    int status = 0;
    qsizetype headers = 0;
    QByteArray body;
    QString error;
    bool reusable = false;
    qsizetype left = 0;

    bool operator==(const Outcome &) const = default;
};

Outcome read(QByteArrayView wire, qsizetype piece, bool head)
{
    using Step = HttpResponseReader::Step;
    HttpResponseReader reader;
    reader.start(head);
    Outcome out;
    qsizetype offset = 0;
    for (;;) {
        const qsizetype size = std::min(piece, wire.size() - offset);
        QByteArrayView data = wire.sliced(offset, size);
        offset += size;
        Step step = reader.next(data);
        for (; step == Step::Head || step == Step::Body; step = reader.next(data)) {
            if (step == Step::Head) {
                out.status = reader.head().status;
                out.headers = reader.head().headers.size();
            } else {
                out.body += reader.body().toByteArray();
            }
        }
        if (step != Step::NeedMore || offset == wire.size()) {
            out.end = step == Step::NeedMore ? reader.atEof() : step;
            out.left = data.size() + wire.size() - offset;
            break;
        }
    }
    out.error = reader.error();
    out.reusable = reader.reusable();
    return out;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const qsizetype piece = std::max<qsizetype>(1, data[0] & 0x7f);
    const bool head = data[0] & 0x80;
    const QByteArray wire = fuzz::bytes(data + 1, size - 1);
    const Outcome whole = read(wire, std::max<qsizetype>(1, wire.size()), head);
    const Outcome cut = read(wire, piece, head);
    fuzz::check(whole == cut, "the outcome does not depend on how the bytes arrive",
                whole.error + u" / "_s + cut.error);
    fuzz::check(whole.body.size() <= wire.size(), "no more body than bytes");
    fuzz::check(fuzz::isOneLine(whole.error), "the error is one line", whole.error);
    if (whole.end == HttpResponseReader::Step::Failed)
        fuzz::check(!whole.error.isEmpty() && !whole.reusable, "a failure says why, not reused");
    if (whole.end == HttpResponseReader::Step::Done)
        fuzz::check(whole.status >= 200 && whole.status <= 999, "a final status");
    // Each header line takes at least three bytes ("a:\n") of a section bounded by the limit.
    fuzz::check(whole.headers * 3 <= HttpResponseReader::MaxHeaderBytes, "the head fits the limit");
    return 0;
}
