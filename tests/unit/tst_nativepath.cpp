#include "ci/NativePath.h"

#include "testutil.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QTest>

#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace pw;

class TstNativePath : public QObject
{
    Q_OBJECT

private slots:
    void utf8ReadsAsQtReadsIt_data();
    void utf8ReadsAsQtReadsIt();
    void anyBytesRoundTrip();
    void display();
    void filesBelowReadsEveryName();
    void pathParts();
};

void TstNativePath::utf8ReadsAsQtReadsIt_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("ascii") << QByteArray("/tmp/logs/job-1.log");
    QTest::newRow("two-byte") << QByteArray("/tmp/caf\xc3\xa9.log");
    QTest::newRow("three-byte") << QByteArray("/tmp/\xe2\x80\xa6.log");
    QTest::newRow("four-byte (a surrogate pair)") << QByteArray("/tmp/\xf0\x9f\x90\xb3.log");
    QTest::newRow("U+DC80 written in UTF-8 is no escape") << QByteArray("\xef\xbf\xbd");
}

void TstNativePath::utf8ReadsAsQtReadsIt()
{
    QFETCH(QByteArray, bytes);
    QCOMPARE(nativepath::fromNative(bytes), QString::fromUtf8(bytes));
    QCOMPARE(nativepath::toNative(nativepath::fromNative(bytes)), bytes);
    QVERIFY(nativepath::isText(nativepath::fromNative(bytes)));
}

void TstNativePath::anyBytesRoundTrip()
{
    // Every byte alone, every pair, and random names: the bytes come back as they were.
    for (int a = 1; a < 256; ++a) {
        for (int b = 1; b < 256; b += 7) {
            const QByteArray bytes{char(a), char(b)};
            QCOMPARE(nativepath::toNative(nativepath::fromNative(bytes)), bytes);
        }
    }
    QRandomGenerator random(42);
    for (int i = 0; i < 20'000; ++i) {
        QByteArray bytes(random.bounded(1, 24), Qt::Uninitialized);
        for (char &c : bytes)
            c = char(random.bounded(1, 256));
        QCOMPARE(nativepath::toNative(nativepath::fromNative(bytes)), bytes);
    }
    // Broken sequences: overlong, a UTF-8 surrogate, beyond U+10FFFF, cut short.
    for (const QByteArray &bad : {QByteArray("\xc0\xaf"), QByteArray("\xed\xa0\x80"),
                                  QByteArray("\xf4\x90\x80\x80"), QByteArray("a\xe2\x80")}) {
        const QString read = nativepath::fromNative(bad);
        QVERIFY(!nativepath::isText(read));
        QCOMPARE(nativepath::toNative(read), bad);
    }
}

void TstNativePath::display()
{
    QCOMPARE(nativepath::display(nativepath::fromNative("/logs/caf\xe9-\xff.log")),
             u"/logs/caf\\xE9-\\xFF.log"_s);
    QCOMPARE(nativepath::display(u"/logs/café.log"_s), u"/logs/café.log"_s);
}

void TstNativePath::filesBelowReadsEveryName()
{
    TestDir dir;
    const QByteArray root = QFile::encodeName(dir.dir.path());
    QVERIFY(QDir(dir.dir.path()).mkpath(u"sub/deeper"_s));
    const QList<QByteArray> names = {"/a.log", "/caf\xe9.log", "/sub/\xff\xfe.log",
                                     "/sub/deeper/ok.log"};
    for (const QByteArray &name : names) {
        const int fd = ::open(QByteArray(root + name).constData(), O_WRONLY | O_CREAT, 0644);
        QVERIFY(fd >= 0);
        QCOMPARE(::write(fd, "x\n", 2), 2);
        ::close(fd);
    }
    QVERIFY(::symlink(QByteArray(root + "/sub").constData(), QByteArray(root + "/loop").constData()) == 0);
    const QStringList files = nativepath::filesBelow(nativepath::fromNative(root));
    QList<QByteArray> found;
    for (const QString &file : files) {
        found.append(nativepath::toNative(file).mid(root.size()));
        const nativepath::Status status = nativepath::status(file);
        QVERIFY(status.isFile);
        QCOMPARE(status.size, 2);
        const int fd = nativepath::openForReading(file);
        QVERIFY(fd >= 0);
        ::close(fd);
    }
    std::sort(found.begin(), found.end());
    QList<QByteArray> want = names;
    std::sort(want.begin(), want.end());
    // The link to a directory is not followed: nothing twice.
    QCOMPARE(found, want);
}

void TstNativePath::pathParts()
{
    QCOMPARE(nativepath::fileName(u"/a/b/c.log"_s), u"c.log"_s);
    QCOMPARE(nativepath::directory(u"/a/b/c.log"_s), u"/a/b"_s);
    QCOMPARE(nativepath::directory(u"/c.log"_s), u"/"_s);
    QCOMPARE(nativepath::directory(u"c.log"_s), u"."_s);
    QCOMPARE(nativepath::absolute(u"/a/./b/../c.log"_s), u"/a/c.log"_s);
    QCOMPARE(nativepath::absolute(u"c.log"_s), QDir::currentPath() + u"/c.log"_s);
}

QTEST_GUILESS_MAIN(TstNativePath)
#include "tst_nativepath.moc"
