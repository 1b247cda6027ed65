// maskParticulars / groupByText: failures of no known cause, grouped as a user would write one
// rule for them (real lines from tests/data/corpus).
#include "analysis/TextGroups.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace pw;

class TstTextGroups : public QObject
{
    Q_OBJECT

private slots:
    void mask_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("masked");
        QTest::newRow("address and port")
            << u"dial tcp 10.0.0.2:443: i/o timeout"_s << u"dial tcp <ip>:<n>: i/o timeout"_s;
        QTest::newRow("digest and quoted reference")
            << u"failed to extract layer sha256:be4eae0b2583281e2cd171c52a0b283a5e6f84e6b86066a18e205a10cb507fcd: failed to mount /var/lib/containerd/tmpmounts/containerd-mount788433525: input/output error: unknown"_s
            << u"failed to extract layer <digest>: failed to mount /var/lib/containerd/tmpmounts/<id>: input/output error: unknown"_s;
        QTest::newRow("pod name")
            << u"nginx-d645d84b6-ftbwc   0/1     ErrImagePull       0          108s"_s
            << u"<id> <n>/<n> ErrImagePull <n> <id>"_s;
        QTest::newRow("URL")
            << u"Head \"https://ghcr.io/v2/acme/app/manifests/1.2\": unexpected media type"_s
            << u"Head \"<…>\": unexpected media type"_s;
        QTest::newRow("image name")
            << u"Error pulling image ref //registry.example.com/team/app:2.1: unsupported manifest type"_s
            << u"Error pulling image ref //<name>: unsupported manifest type"_s;
    }
    void mask()
    {
        QFETCH(QString, line);
        QFETCH(QString, masked);
        QCOMPARE(maskParticulars(line), masked);
    }

    void groupsLargestFirst()
    {
        const QList<QString> lines{
            u"ctr: failed to extract layer sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: input/output error"_s,
            u"Error: ErrImagePull"_s,
            u"ctr: failed to extract layer sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb: input/output error"_s,
            u"  Error: ErrImagePull  "_s,
            u"ctr: failed to extract layer sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc: input/output error"_s,
        };
        const QList<TextGroup> groups = groupByText(lines);
        QCOMPARE(groups.size(), 2);
        QCOMPARE(groups[0].count, 3);
        QCOMPARE(groups[0].text, u"ctr: failed to extract layer <digest>: input/output error"_s);
        QCOMPARE(groups[0].example, lines[0]);
        QCOMPARE(groups[1].count, 2);
        QCOMPARE(groups[1].example, u"Error: ErrImagePull"_s);
        QVERIFY(groupByText({}).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TstTextGroups)
#include "tst_textgroups.moc"
