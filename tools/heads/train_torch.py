"""PyTorch's side of the heads' parity check (npm run bench:heads): trains DiffProbe's head
(torch_heads.py) as core/heads/train.ts does — AdamW, mini-batches in a seeded order, the epoch
with the best validation accuracy kept (ties: lower validation loss), early stopping after
`patience` epochs without a better one, the test rows evaluated once — from the initial weights
the browser started from, on the same features. Prints one JSON line:
{"testAccuracy", "validationAccuracy", "epochs", "bestEpoch", "trainSeconds"}.

usage: train_torch.py <job.json>   (job: head, layout, initial, scaling, and the .npy paths)
"""
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from torch_heads import build, load_weights, tokens_of  # noqa: E402


def main():
    job = json.load(open(sys.argv[1]))
    head, layout = job["head"], job["layout"]
    t = head["training"]
    torch.manual_seed(t["seed"])
    torch.set_num_threads(1)
    data = {}
    for part in ("train", "validation", "test"):
        X = np.load(job[part]["X"]).astype(np.float32)
        y = np.load(job[part]["y"]).astype(np.int64)
        if job.get("scaling"):
            X = (X - np.array(job["scaling"]["mean"])) / np.array(job["scaling"]["scale"])
        x = torch.tensor(X, dtype=torch.float32)
        data[part] = (tokens_of(head, layout, x), torch.tensor(y))
    model = load_weights(build(head, layout), job["initial"])
    opt = torch.optim.AdamW(model.parameters(), lr=t["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=t["weightDecay"])
    loss_fn = torch.nn.CrossEntropyLoss()

    def evaluate(part):
        model.eval()
        inputs, y = data[part]
        with torch.no_grad():
            logits = torch.cat([model([x[i : i + 256] for x in inputs]) for i in range(0, len(y), 256)])
        model.train()
        return (logits.argmax(1) == y).float().mean().item(), loss_fn(logits, y).item()

    inputs, y = data["train"]
    n = len(y)
    best = None
    epochs = 0
    start = time.perf_counter()
    for epoch in range(1, t["maxEpochs"] + 1):
        model.train()
        order = torch.randperm(n)
        for i in range(0, n, t["batchSize"]):
            rows = order[i : i + t["batchSize"]]
            loss = loss_fn(model([x[rows] for x in inputs]), y[rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
        epochs = epoch
        acc, vloss = evaluate("validation")
        if best is None or acc > best[0] or (acc == best[0] and vloss < best[1]):
            best = (acc, vloss, epoch, {k: v.clone() for k, v in model.state_dict().items()})
        if t["patience"] > 0 and epoch - best[2] >= t["patience"]:
            break
    seconds = time.perf_counter() - start
    model.load_state_dict(best[3])
    test_acc, _ = evaluate("test")
    print(
        json.dumps(
            {
                "testAccuracy": test_acc,
                "validationAccuracy": best[0],
                "epochs": epochs,
                "bestEpoch": best[2],
                "trainSeconds": seconds,
            }
        )
    )


if __name__ == "__main__":
    main()
