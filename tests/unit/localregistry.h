#pragma once

// docker-registry serve (Debian's distribution 2.8) on loopback for C++ tests, with a helper that
// pushes tiny OCI images: the same fixture as tests/integration/regtest.py, for unit tests that
// need a real registry.
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

namespace localregistry {

using namespace Qt::StringLiterals;

inline const QString RegistryBinary = u"/usr/bin/docker-registry"_s;

// One HTTP exchange, waited for (fixture set-up only).
struct Reply
{
    int status = 0;
    QByteArray location;
};

inline Reply exchange(QNetworkAccessManager &network, const QByteArray &method, const QUrl &url,
                      const QByteArray &body = {}, const QByteArray &contentType = {})
{
    QNetworkRequest request(url);
    if (!contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    QNetworkReply *reply = network.sendCustomRequest(request, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    Reply result{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                 reply->rawHeader("Location")};
    reply->deleteLater();
    return result;
}

inline QString sha256(const QByteArray &data)
{
    return u"sha256:"_s +
           QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

// docker-registry serve on 127.0.0.1 with a port the kernel picked and its storage in a
// temporary directory; stopped (our own child only) when it goes out of scope.
class LocalRegistry
{
public:
    LocalRegistry()
    {
        const QString config = m_dir.filePath(u"config.yml"_s);
        QFile file(config);
        if (!file.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(config));
        file.write("version: 0.1\nlog:\n  level: info\n  formatter: text\nstorage:\n"
                   "  filesystem:\n    rootdirectory: " +
                   m_dir.filePath(u"data"_s).toUtf8() +
                   "\nhttp:\n  addr: 127.0.0.1:0\n  secret: pullwatch-test\n");
        file.close();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &name : env.keys()) {
            if (name.startsWith(u"REGISTRY_"_s))
                env.remove(name);
        }
        m_process.setProcessEnvironment(env);
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(RegistryBinary, {u"serve"_s, config});
        static const QRegularExpression listening(u"listening on 127\\.0\\.0\\.1:(\\d+)"_s);
        QElapsedTimer clock;
        clock.start();
        QByteArray log;
        while (m_port == 0 && clock.elapsed() < 15'000 &&
               m_process.state() != QProcess::NotRunning) {
            m_process.waitForReadyRead(100);
            log += m_process.readAll();
            const QRegularExpressionMatch match = listening.match(QString::fromUtf8(log));
            if (match.hasMatch())
                m_port = match.captured(1).toInt();
        }
        if (m_port == 0)
            qFatal("docker-registry did not start: %s", log.constData());
        m_network.setProxy(QNetworkProxy::NoProxy);
        m_network.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    }
    ~LocalRegistry()
    {
        m_process.terminate();
        if (!m_process.waitForFinished(10'000))
            m_process.kill();
        m_process.waitForFinished(10'000);
    }

    QString host() const { return u"127.0.0.1:%1"_s.arg(m_port); }
    QUrl url(const QString &path) const { return QUrl(u"http://"_s + host() + path); }

    // A one-layer OCI image under repository:tag; returns the manifest digest.
    QString push(const QString &repository, const QString &tag)
    {
        const QByteArray config =
            R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
        const QByteArray layer = "pullwatch test layer " + repository.toUtf8();
        const QString configDigest = pushBlob(repository, config);
        const QString layerDigest = pushBlob(repository, layer);
        const QByteArray manifest =
            u"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            u"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            u"\"digest\":\"%1\",\"size\":%2},\"layers\":[{\"mediaType\":"
            u"\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%3\",\"size\":%4}]}"_s
                .arg(configDigest)
                .arg(config.size())
                .arg(layerDigest)
                .arg(layer.size())
                .toUtf8();
        const Reply put =
            exchange(m_network, "PUT", url(u"/v2/%1/manifests/%2"_s.arg(repository, tag)), manifest,
                     "application/vnd.oci.image.manifest.v1+json");
        if (put.status != 201)
            qFatal("PUT manifest: HTTP %d", put.status);
        return sha256(manifest);
    }

private:
    QString pushBlob(const QString &repository, const QByteArray &data)
    {
        const Reply started =
            exchange(m_network, "POST", url(u"/v2/%1/blobs/uploads/"_s.arg(repository)));
        if (started.status != 202)
            qFatal("POST upload: HTTP %d", started.status);
        const QString digest = sha256(data);
        QUrl upload = url({}).resolved(QUrl(QString::fromLatin1(started.location)));
        QString query = upload.query();
        upload.setQuery(query + (query.isEmpty() ? u""_s : u"&"_s) + u"digest="_s + digest);
        const Reply put = exchange(m_network, "PUT", upload, data, "application/octet-stream");
        if (put.status != 201)
            qFatal("PUT blob: HTTP %d", put.status);
        return digest;
    }

    QTemporaryDir m_dir;
    QProcess m_process;
    QNetworkAccessManager m_network;
    int m_port = 0;
};

} // namespace localregistry
