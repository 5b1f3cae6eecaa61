// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the prompt queue: one dialog, oldest prompt first, "1 of N", cancellation and replacement.
#include "prompt/app_info.h"
#include "prompt/prompt_queue.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace hostgate::gui;

namespace {

PromptRequestRecord request(quint64 id, const QString& host)
{
    PromptRequestRecord prompt;
    prompt.id = id;
    prompt.app = "/usr/bin/wget";
    prompt.hostnames = {host};
    prompt.address = "203.0.113.20";
    prompt.port = 80;
    prompt.protocol = "tcp";
    prompt.defaultAction = "deny";
    return prompt;
}

} // namespace

class PromptQueueTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir noDesktopFiles;
    AppInfoResolver apps{{noDesktopFiles.path()}};
    std::unique_ptr<PromptQueue> queue;

    void enqueueThree()
    {
        queue->enqueue(request(1, "one.example"));
        queue->enqueue(request(2, "two.example"));
        queue->enqueue(request(3, "three.example"));
    }

private slots:
    void init()
    {
        queue = std::make_unique<PromptQueue>(apps);
        queue->dialog().setInputDelay(std::chrono::milliseconds(0));
    }
    void cleanup() { queue.reset(); }

    void threePendingPromptsShowTheFirstAsOneOfThree()
    {
        enqueueThree();
        QVERIFY(queue->dialog().isVisible());
        QCOMPARE(queue->dialog().hostText(), QString("one.example"));
        QCOMPARE(queue->dialog().queueText(), QString("1 of 3"));
    }

    void singlePromptShowsNoQueueIndicator()
    {
        queue->enqueue(request(1, "one.example"));
        QCOMPARE(queue->dialog().queueText(), QString());
    }

    void answeringAPromptShowsTheNextOne()
    {
        enqueueThree();
        QSignalSpy answered(queue.get(), &PromptQueue::answered);
        QTest::mouseClick(queue->dialog().allowButton(), Qt::LeftButton);
        QCOMPARE(answered.count(), 1);
        QCOMPARE(answered.first().at(0).toULongLong(), quint64{1});
        QCOMPARE(queue->dialog().hostText(), QString("two.example"));
        QCOMPARE(queue->dialog().queueText(), QString("1 of 2"));
    }

    void answeringTheLastPromptClosesTheDialog()
    {
        queue->enqueue(request(1, "one.example"));
        QTest::mouseClick(queue->dialog().denyButton(), Qt::LeftButton);
        QVERIFY(!queue->dialog().isVisible());
        QCOMPARE(queue->size(), 0);
    }

    void promptArrivingWhileOneIsShownDoesNotReplaceIt()
    {
        queue->enqueue(request(1, "one.example"));
        queue->enqueue(request(2, "two.example"));
        QCOMPARE(queue->dialog().hostText(), QString("one.example"));
        QCOMPARE(queue->currentId(), std::optional<quint64>{1});
    }

    void cancellingTheShownPromptShowsTheNextWithoutAnswering()
    {
        enqueueThree();
        QSignalSpy answered(queue.get(), &PromptQueue::answered);
        queue->cancel(1);
        QCOMPARE(answered.count(), 0);
        QCOMPARE(queue->dialog().hostText(), QString("two.example"));
        QCOMPARE(queue->dialog().queueText(), QString("1 of 2"));
    }

    void cancellingTheOnlyPromptClosesTheDialog()
    {
        queue->enqueue(request(1, "one.example"));
        queue->cancel(1);
        QVERIFY(!queue->dialog().isVisible());
    }

    void cancellingAWaitingPromptOnlyShortensTheQueue()
    {
        enqueueThree();
        queue->cancel(3);
        QCOMPARE(queue->dialog().hostText(), QString("one.example"));
        QCOMPARE(queue->dialog().queueText(), QString("1 of 2"));
    }

    void repeatedRequestReplacesTheQueuedOne()
    {
        queue->enqueue(request(1, "one.example"));
        PromptRequestRecord merged = request(1, "one.example");
        merged.attempts = 3;
        queue->enqueue(merged);
        QCOMPARE(queue->size(), 1);
    }
};

QTEST_MAIN(PromptQueueTest)
#include "test_prompt_queue.moc"
