// Config::parse on arbitrary files: a refusal is one line "FILE:LINE:COLUMN: …"; an accepted
// config holds only images whose references parse, with the canonical form the history uses.
#include "fuzzsupport.h"

#include "config/Config.h"
#include "ImageReference.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;
using namespace pw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::ensureApplication();
    const QByteArray input = fuzz::bytes(data, size);
    const Result<Config> config = Config::parse(input, u"fuzz.json"_s);
    if (!config) {
        static const QRegularExpression position(u"^fuzz\\.json:\\d+:\\d+: \\S"_s);
        fuzz::check(position.match(config.error()).hasMatch(), "error names file:line:column",
                    config.error());
        fuzz::check(fuzz::isOneLine(config.error()), "error is one line", config.error());
        return 0;
    }
    fuzz::check(config->sourcePath == u"fuzz.json"_s, "the source path is kept");
    fuzz::check(config->retentionMs > 0, "retention is positive");
    for (const ImageConfig &image : config->images) {
        const Result<ImageReference> ref = ImageReference::parse(image.ref);
        fuzz::check(ref.ok(), "an accepted image parses", image.ref);
        fuzz::check(ref->canonical() == image.canonical, "canonical is the parsed form",
                    image.ref + u" -> "_s + image.canonical);
        fuzz::check(image.intervalMs > 0, "the interval is positive", image.ref);
        fuzz::check(image.timeoutMs >= 0, "the timeout is not negative", image.ref);
        fuzz::check(config->image(image.canonical) != nullptr, "image() finds it by canonical");
    }
    for (const CiSourceConfig &ci : config->ci)
        fuzz::check(ci.intervalMs > 0, "a CI interval is positive", ci.provider);
    return 0;
}
