// logtext: what a person reads on a CI log line, and the line's timestamp.
#include "ci/LogText.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TestLogText : public QObject
{
    Q_OBJECT

private slots:
    void readableText_data();
    void readableText();
    void verbatim_data();
    void verbatim();
    void leadingTimestamp_data();
    void leadingTimestamp();
};

void TestLogText::readableText_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("text");

    QTest::newRow("plain") << QByteArray("Status: Downloaded newer image for busybox:latest\n")
                           << u"Status: Downloaded newer image for busybox:latest"_s;
    QTest::newRow("CRLF") << QByteArray("manifest unknown\r\n") << u"manifest unknown"_s;
    QTest::newRow("GitHub timestamp and BOM")
        << QByteArray("\xEF\xBB\xBF"
                      "2025-05-18T08:42:15.1234567Z latest: Pulling from library/busybox")
        << u"latest: Pulling from library/busybox"_s;
    QTest::newRow("GitHub error marker")
        << QByteArray("2025-05-18T08:42:15.1234567Z ##[error]Docker pull failed with exit code 1")
        << u"Docker pull failed with exit code 1"_s;
    QTest::newRow("workflow command")
        << QByteArray("::error file=ci.yml::pull access denied") << u"pull access denied"_s;
    QTest::newRow("ANSI colours")
        << QByteArray("\x1b[31;1mERROR: Job failed: failed to pull image\x1b[0;m")
        << u"ERROR: Job failed: failed to pull image"_s;
    QTest::newRow("GitLab section marker")
        << QByteArray("\x1b[0Ksection_start:1768988825:prepare_executor\r\x1b[0K\x1b[0K\x1b[36;1m"
                      "Preparing the \"docker\" executor\x1b[0;m")
        << u"Preparing the \"docker\" executor"_s;
    QTest::newRow("GitLab collapsed section")
        << QByteArray("\x1b[0Ksection_start:1768988825:step[collapsed=true]\r\x1b[0KPulling docker "
                      "image alpine:3.18 ...")
        << u"Pulling docker image alpine:3.18 ..."_s;
    QTest::newRow("GitLab timestamp prefix")
        << QByteArray("2026-01-21T09:47:05.094269Z 00O Pulling docker image alpine:3.18 ...")
        << u"Pulling docker image alpine:3.18 ..."_s;
    QTest::newRow("GitLab continuation prefix inside the line")
        << QByteArray("2026-01-21T09:47:05.094269Z 00O section_start:1768988825:prepare\r"
                      "2026-01-21T09:47:05.094270Z 00O+\x1b[0KUsing docker image")
        << u"Using docker image"_s;
    QTest::newRow("progress overwrites keep the last")
        << QByteArray("Downloading 10%\rDownloading 55%\rDownloaded newer image for x\r")
        << u"Downloaded newer image for x"_s;
    QTest::newRow("NUL bytes") << QByteArray("pull\0 access denied", 19) << u"pull access denied"_s;
    QTest::newRow("invalid UTF-8")
        << QByteArray("manifest \xff\xfe unknown") << u"manifest \uFFFD\uFFFD unknown"_s;
    QTest::newRow("empty") << QByteArray() << QString();
}

void TestLogText::readableText()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, text);
    QCOMPARE(pw::logtext::readableText(line), text);
}

void TestLogText::verbatim_data()
{
    // Verbatim: the readable text is a piece of the line's own bytes (the classifier then need
    // not scan it again); anything taken out of its middle, or re-encoded, makes it not so.
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<bool>("verbatim");

    QTest::newRow("plain") << QByteArray("a6d43b34b082: Pull complete\n") << true;
    QTest::newRow("CRLF") << QByteArray("manifest unknown\r\n") << true;
    QTest::newRow("GitHub timestamp and BOM")
        << QByteArray("\xEF\xBB\xBF"
                      "2025-05-18T08:42:15.1234567Z Digest: sha256:4b2f4ff4e958")
        << true;
    QTest::newRow("GitLab timestamp prefix")
        << QByteArray("2026-01-21T09:47:05.094269Z 00O Pulling docker image alpine:3.18 ...")
        << true;
    QTest::newRow("GitHub error marker")
        << QByteArray("2025-05-18T08:42:15.1234567Z ##[error]Docker pull failed with exit code 1")
        << true;
    QTest::newRow("empty") << QByteArray() << true;
    QTest::newRow("ANSI colours") << QByteArray("\x1b[31mError\x1b[0m response") << false;
    QTest::newRow("progress overwrites") << QByteArray("Downloading 10%\rPull complete") << false;
    QTest::newRow("GitLab section marker")
        << QByteArray("section_start:1768988825:prepare Preparing the executor") << false;
    QTest::newRow("NUL bytes") << QByteArray("pull\0 access denied", 19) << false;
    QTest::newRow("UTF-8") << QByteArray("\xe2\x9c\x93 Pulled image \"x\"") << false;
    QTest::newRow("invalid UTF-8") << QByteArray("manifest \xff\xfe unknown") << false;
}

void TestLogText::verbatim()
{
    QFETCH(QByteArray, line);
    QFETCH(bool, verbatim);
    bool found = !verbatim;
    const QString text = pw::logtext::readableText(line, &found);
    QCOMPARE(found, verbatim);
    QCOMPARE(text, pw::logtext::readableText(line)); // the same text either way
    if (verbatim)
        QVERIFY(line.contains(text.toLatin1()));
}

void TestLogText::leadingTimestamp_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("iso"); // empty: none

    QTest::newRow("GitHub, 7 digits")
        << QByteArray("2025-05-18T08:42:15.1234567Z Run x") << u"2025-05-18T08:42:15.123Z"_s;
    QTest::newRow("GitHub after BOM") << QByteArray("\xEF\xBB\xBF"
                                                    "2025-05-18T08:42:15.1Z x")
                                      << u"2025-05-18T08:42:15.100Z"_s;
    QTest::newRow("GitLab") << QByteArray("2026-01-21T09:47:05.094269Z 00O+text")
                            << u"2026-01-21T09:47:05.094Z"_s;
    QTest::newRow("no fraction") << QByteArray("2025-05-18T08:42:15Z x")
                                 << u"2025-05-18T08:42:15.000Z"_s;
    QTest::newRow("continuation line") << QByteArray("  at step 3") << QString();
    QTest::newRow("date alone") << QByteArray("2025-05-18 08:42:15 pulling") << QString();
    QTest::newRow("impossible date") << QByteArray("2025-13-40T08:42:15Z x") << QString();
    QTest::newRow("short") << QByteArray("2025-05-18T") << QString();
}

void TestLogText::leadingTimestamp()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, iso);
    const qint64 ms = pw::logtext::leadingTimestamp(line);
    if (iso.isEmpty()) {
        QCOMPARE(ms, -1);
        return;
    }
    QCOMPARE(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs), iso);
}

QTEST_APPLESS_MAIN(TestLogText)
#include "tst_logtext.moc"
