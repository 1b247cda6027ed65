#pragma once

#include "config/Config.h"
#include "ci/CiIngester.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace pw {

class HttpClient;

// Ingests every CI source of the config at its interval (`pullwatch serve`): GitHub and GitLab
// through their APIs, files and directories from disk. A source whose previous round still
// runs skips its turn. Each job or file is stored before the next is read.
class CiPoller : public QObject
{
    Q_OBJECT
public:
    static constexpr int PollRuns = 200;
    static constexpr int PollDays = 3;

    CiPoller(QList<CiSourceConfig> sources, CiIngester *ingester, HttpClient *http,
             QObject *parent = nullptr);
    ~CiPoller() override;

    void start();
    // No new rounds; a running API round is canceled. idle() follows when none runs.
    void stop();
    int running() const;

signals:
    // One line per finished round: "github rook/rook: 3 jobs, 12 pulls (2 failed)" or an error.
    void roundFinished(const QString &summary, bool ok);
    void idle();

private:
    struct Source;
    void poll(Source &source);
    void finishRound(Source &source, const Status &status, const IngestTotals &totals);

    CiIngester *m_ingester;
    HttpClient *m_http;
    std::vector<std::unique_ptr<Source>> m_sources;
    bool m_stopped = true;
    bool m_stopping = false;
};

} // namespace pw
