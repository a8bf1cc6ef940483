"""The load of a scenario: client processes (clients.py) started together,
stopped together, and what each saw collected."""
import multiprocessing

import clients

SPAWN = multiprocessing.get_context("spawn")


class Load:
    def __init__(self):
        self.stop_event = SPAWN.Event()
        self.out = SPAWN.Queue()
        self.processes = []

    def start(self, target, *args):
        """Starts target(*args, worker, stop, out) in a process of its own:
        the functions of clients.py."""
        process = SPAWN.Process(target=target, args=(*args, self.stop_event, self.out))
        process.start()
        self.processes.append(process)
        return self

    def stop(self):
        """Stops every client after the request it is on (answered, or
        given up), and returns {worker: records}."""
        self.stop_event.set()
        results = dict(self.out.get(timeout=clients.GIVE_UP + 30) for _ in self.processes)
        for process in self.processes:
            process.join(timeout=10)
        return results

    def kill(self):
        """For a scenario that failed half-way: no client left behind."""
        for process in self.processes:
            if process.is_alive():
                process.kill()
                process.join()
