// SPDX-License-Identifier: GPL-3.0-or-later
// PromptQueue: the order of prompts and which one the dialog shows.
#include "prompt/prompt_queue.h"

#include <QTimer>

namespace hostgate::gui {

PromptQueue::PromptQueue(AppInfoResolver& apps, QObject* parent)
    : QObject(parent), promptDialog(std::make_unique<PromptDialog>(apps))
{
    connect(promptDialog.get(), &PromptDialog::answered, this, &PromptQueue::onAnswered);
}

PromptQueue::~PromptQueue() = default;

std::optional<quint64> PromptQueue::currentId() const
{
    if (pending.isEmpty()) {
        return std::nullopt;
    }
    return pending.constFirst().id;
}

void PromptQueue::enqueue(const PromptRequestRecord& request)
{
    for (qsizetype index = 0; index < pending.size(); ++index) {
        if (pending.at(index).id == request.id) {
            pending[index] = request;
            if (index == 0) {
                showFront();
            }
            return;
        }
    }
    pending.append(request);
    if (pending.size() == 1) {
        showFront();
    } else {
        updatePosition();
    }
}

void PromptQueue::cancel(quint64 id)
{
    const bool wasShowing = currentId() == id;
    const auto removed = pending.removeIf([id](const PromptRequestRecord& request) { return request.id == id; });
    if (removed == 0) {
        return;
    }
    if (wasShowing) {
        showFront();
    } else {
        updatePosition();
    }
}

void PromptQueue::cancelAll()
{
    pending.clear();
    showFront();
}

void PromptQueue::onAnswered(quint64 id, const PromptAnswerRecord& answer)
{
    pending.removeIf([id](const PromptRequestRecord& request) { return request.id == id; });
    emit answered(id, answer);
    showFront();
}

void PromptQueue::showFront()
{
    if (pending.isEmpty()) {
        promptDialog->hide();
        emit idle();
        return;
    }
    promptDialog->showRequest(pending.constFirst());
    updatePosition();
    if (!promptDialog->isVisible()) {
        promptDialog->show();
        promptDialog->raise();
        promptDialog->activateWindow();
        // Whether the window manager gave the prompt the focus is known only after it handled the request;
        // a prompt still inactive after the grace (a full-screen app keeps the focus) is reported.
        const quint64 shownId = pending.constFirst().id;
        QTimer::singleShot(focusGrace, this, [this, shownId] {
            if (currentId() == shownId && promptDialog->isVisible() && !promptDialog->isActiveWindow()) {
                emit unfocused(pending.constFirst());
            }
        });
    }
}

void PromptQueue::updatePosition()
{
    promptDialog->setQueuePosition(1, int(pending.size()));
}

} // namespace hostgate::gui
