// ImageReference::parse on arbitrary text: a reference that parses has one canonical form, and
// both printed forms read back as the same reference; a refusal is one line that quotes the input.
// Found so far (corpus/reference/crash-*): docker.io/a.b/c printed as a.b/c (another registry).
#include "fuzzsupport.h"

#include "ImageReference.h"

#include <cstring>

using namespace Qt::StringLiterals;
using namespace pw;

namespace {

void checkReference(const QString &input)
{
    const Result<ImageReference> parsed = ImageReference::parse(input);
    if (!parsed) {
        fuzz::check(parsed.error().startsWith(u"invalid reference \""_s),
                    "error names the reference", parsed.error());
        fuzz::check(fuzz::isOneLine(parsed.error()), "error is one line", parsed.error());
        return;
    }
    const ImageReference &ref = *parsed;
    fuzz::check(!ref.registry.isEmpty() && !ref.repository.isEmpty(),
                "registry and repository are set", input);
    fuzz::check(!ref.tag.isEmpty() || !ref.digest.isEmpty(), "tag or digest is set", input);
    const QString canonical = ref.canonical();
    fuzz::check(!canonical.contains(u' ') && fuzz::isOneLine(canonical), "canonical has no space",
                canonical);

    const Result<ImageReference> again = ImageReference::parse(canonical);
    fuzz::check(again.ok(), "the canonical form parses", input + u" -> "_s + canonical);
    fuzz::check(*again == ref, "the canonical form is the same reference",
                input + u" -> "_s + canonical + u" -> "_s + again->canonical());

    const QString familiar = ref.familiar();
    const Result<ImageReference> fromFamiliar = ImageReference::parse(familiar);
    // The one ambiguity Docker has too: a familiar name of 64 hex digits reads as an image ID.
    if (familiar.size() == 64 && !fromFamiliar.ok() && fromFamiliar.error().contains(u"image ID"_s))
        return;
    fuzz::check(fromFamiliar.ok(), "the familiar form parses", input + u" -> "_s + familiar);
    fuzz::check(*fromFamiliar == ref, "the familiar form is the same reference",
                input + u" -> "_s + familiar + u" -> "_s + fromFamiliar->canonical());

    const QStringList packages = ref.nixeryPackages();
    fuzz::check(ref.registry == u"nixery.dev"_s || packages.isEmpty(),
                "only nixery references name packages", input);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);
    checkReference(QString::fromUtf8(input));
    // The same bytes as UTF-16 units: lone surrogates and characters beyond Latin-1.
    QString units(input.size() / 2, Qt::Uninitialized);
    std::memcpy(units.data(), input.constData(), size_t(units.size()) * sizeof(QChar));
    checkReference(units);
    return 0;
}
