// The JSON pages of the GitHub Actions and GitLab CI APIs (runs/pipelines and jobs) and the Link
// header that pages through them, on arbitrary answers: every parser takes every input. A page
// is read or refused with one line; what is read lists no more than the page held, and only jobs
// with an id (a job without one could not be fetched or claimed).
#include "fuzzsupport.h"

#include "net/HttpClient.h"
#include "ci/GitHubSource.h"
#include "ci/GitLabSource.h"

using namespace Qt::StringLiterals;
using namespace pw;

namespace {

// The page parsers are the providers' protected hooks; these expose them, nothing else.
class GitHubPages : public GitHubSource
{
public:
    using GitHubSource::GitHubSource;
    using GitHubSource::Job;
    using GitHubSource::parseJobs;
    using GitHubSource::parseRuns;
    using GitHubSource::Run;
};

class GitLabPages : public GitLabSource
{
public:
    using GitLabSource::GitLabSource;
    using GitLabSource::Job;
    using GitLabSource::parseJobs;
    using GitLabSource::parseRuns;
    using GitLabSource::Run;
};

HttpClient &http()
{
    fuzz::ensureApplication();
    static HttpClient *client = new HttpClient;
    return *client;
}

template<class T> void checkPage(const Result<QList<T>> &page, qsizetype listed, const char *what)
{
    if (!page) {
        fuzz::check(!page.error().isEmpty() && fuzz::isOneLine(page.error()),
                    "a refused page says why in one line", page.error());
        return;
    }
    fuzz::check(listed >= page->size(), what, QString::number(listed));
}

template<class Source> void checkSource(const Source &source, const QByteArray &json)
{
    qsizetype listed = -1;
    const auto runs = source.parseRuns(json, listed);
    checkPage(runs, listed, "runs are no more than the page listed");

    const typename Source::Run run{u"4711"_s, 0};
    listed = -1;
    const auto jobs = source.parseJobs(json, run, listed);
    checkPage(jobs, listed, "jobs are no more than the page listed");
    if (jobs) {
        for (const auto &job : *jobs)
            fuzz::check(!job.id.isEmpty(), "every job has an id", job.name);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QProcessEnvironment noToken;
    static const GitHubPages github(CiSourceConfig{.provider = u"github"_s, .repo = u"o/r"_s},
                                    &http(), noToken);
    static const GitLabPages gitlab(
        CiSourceConfig{.provider = u"gitlab"_s, .project = u"group/app"_s}, &http(), noToken);

    const QByteArray input = fuzz::bytes(data, size);
    checkSource(github, input);
    checkSource(gitlab, input);

    const QUrl next = RestCiSource::nextLink(input);
    if (!input.toLower().contains("next"))
        fuzz::check(next.isEmpty(), "only rel=next is followed", next.toString());
    return 0;
}
