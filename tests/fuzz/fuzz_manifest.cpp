// Manifest::parse on arbitrary bodies. The input's first line is the Content-Type header, the
// rest the body. What parses names only valid sha256 digests with sizes, and every index entry
// is found again by its own platform.
#include "fuzzsupport.h"

#include "registry/Manifest.h"

using namespace Qt::StringLiterals;
using namespace pw;

namespace {

void checkBlob(const Descriptor &d, const char *what)
{
    fuzz::check(isSha256Digest(d.digest), what, d.digest);
    fuzz::check(d.size >= 0, what, QString::number(d.size));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);
    const qsizetype newline = input.indexOf('\n');
    const QByteArray contentType = newline < 0 ? QByteArray() : input.first(newline);
    const QByteArray body = newline < 0 ? input : input.sliced(newline + 1);

    const Result<Manifest> manifest = Manifest::parse(body, contentType);
    if (!manifest)
        return 0;
    fuzz::check(!manifest->mediaType.isEmpty(), "the media type is known");
    if (manifest->kind == Manifest::Kind::Image) {
        fuzz::check(manifest->manifests.isEmpty(), "an image manifest has no entries");
        checkBlob(manifest->config, "the config is a valid blob");
        for (const Descriptor &layer : manifest->layers)
            checkBlob(layer, "a layer is a valid blob");
        return 0;
    }
    fuzz::check(manifest->layers.isEmpty(), "an index has no layers");
    for (const Descriptor &entry : manifest->manifests) {
        checkBlob(entry, "an index entry is a valid blob");
        if (entry.os.contains(u'/') || entry.architecture.contains(u'/') ||
            entry.variant.contains(u'/'))
            continue; // a platform string cannot name it
        QString platform = entry.os + u'/' + entry.architecture;
        if (!entry.variant.isEmpty())
            platform += u'/' + entry.variant;
        const std::optional<Descriptor> found = manifest->entryFor(platform);
        fuzz::check(found.has_value(), "an entry is found by its platform", platform);
        fuzz::check(found->os == entry.os && found->architecture == entry.architecture,
                    "entryFor returns an entry of that platform", platform);
    }
    (void)manifest->entryFor(u"linux/arm64"_s);
    return 0;
}
