// The thread pool behind parallel_for (see parallel.h for the contract).
//
// One job at a time: the caller publishes a Job that lives on its stack, wakes the workers, and
// claims tasks itself from the job's atomic counter. A worker joins a job only while it is still
// published (under the pool mutex) and counts itself in job.active; the caller unpublishes the job
// once every task is claimed and waits for active to drop to 0, so no worker touches the job after
// the caller returns. Idle workers block on a condition variable.
#include "kernels/parallel.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace nabla {

namespace {

int default_threads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  unsigned h = std::thread::hardware_concurrency();
  return h ? static_cast<int>(h) : 1;
}

std::atomic<int> g_threads{0};  // 0: not yet resolved to default_threads()
thread_local bool t_in_parallel = false;

struct Job {
  detail::TaskFn fn;
  const void* ctx;
  int64_t tasks;
  std::atomic<int64_t> next{0};
  int active = 0;  // workers inside this job; guarded by Pool::m
  std::exception_ptr error;  // the first exception; guarded by Pool::m
};

class Pool {
 public:
  // Leaked on purpose: idle workers stay blocked at exit instead of racing static destructors.
  static Pool& get() {
    static Pool* p = new Pool;
    return *p;
  }

  void run(int64_t tasks, detail::TaskFn fn, const void* ctx, int threads) {
    std::unique_lock<std::mutex> run_lock(run_m_, std::try_to_lock);
    if (!run_lock.owns_lock()) {  // another thread holds the pool: run this job inline
      run_inline(tasks, fn, ctx);
      return;
    }
    ensure_workers(threads - 1);
    Job job;
    job.fn = fn;
    job.ctx = ctx;
    job.tasks = tasks;
    {
      std::lock_guard<std::mutex> lk(m_);
      job_ = &job;
      ++generation_;
    }
    cv_work_.notify_all();
    work(job);
    std::unique_lock<std::mutex> lk(m_);
    job_ = nullptr;  // every task is claimed: no late worker may join
    cv_done_.wait(lk, [&] { return job.active == 0; });
    if (job.error) std::rethrow_exception(job.error);
  }

  // Stops the workers (they restart lazily with the new count).
  void resize() {
    std::lock_guard<std::mutex> run_lock(run_m_);
    ensure_workers(-1);
  }

 private:
  static void run_inline(int64_t tasks, detail::TaskFn fn, const void* ctx) {
    const bool prev = t_in_parallel;
    t_in_parallel = true;
    try {
      for (int64_t i = 0; i < tasks; ++i) fn(ctx, i);
    } catch (...) {
      t_in_parallel = prev;
      throw;
    }
    t_in_parallel = prev;
  }

  void work(Job& job) {
    const bool prev = t_in_parallel;
    t_in_parallel = true;
    for (;;) {
      int64_t i = job.next.fetch_add(1, std::memory_order_relaxed);
      if (i >= job.tasks) break;
      try {
        job.fn(job.ctx, i);
      } catch (...) {
        std::lock_guard<std::mutex> lk(m_);
        if (!job.error) job.error = std::current_exception();
      }
    }
    t_in_parallel = prev;
  }

  // Holding run_m_: makes the worker count n (n < 0: stop them all).
  void ensure_workers(int n) {
    if (n >= 0 && static_cast<int>(workers_.size()) == n) return;
    if (!workers_.empty()) {
      {
        std::lock_guard<std::mutex> lk(m_);
        stop_ = true;
      }
      cv_work_.notify_all();
      for (auto& t : workers_) t.join();
      workers_.clear();
      stop_ = false;
    }
    uint64_t gen;
    {
      std::lock_guard<std::mutex> lk(m_);
      gen = generation_;
    }
    for (int i = 0; i < n; ++i) workers_.emplace_back([this, gen] { worker_loop(gen); });
  }

  void worker_loop(uint64_t seen) {
    for (;;) {
      Job* job;
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_work_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        job = job_;
        if (!job) continue;
        ++job->active;
      }
      work(*job);
      std::lock_guard<std::mutex> lk(m_);
      if (--job->active == 0) cv_done_.notify_all();
    }
  }

  std::mutex run_m_;  // one job at a time
  std::mutex m_;
  std::condition_variable cv_work_, cv_done_;
  std::vector<std::thread> workers_;
  Job* job_ = nullptr;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace

int num_threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n > 0) return n;
  int d = default_threads();
  int expected = 0;
  g_threads.compare_exchange_strong(expected, d);
  return g_threads.load(std::memory_order_relaxed);
}

void set_num_threads(int n) {
  if (n < 1) n = 1;
  g_threads.store(n);
  Pool::get().resize();
}

bool in_parallel_region() { return t_in_parallel; }

int64_t parallel_chunks(int64_t n, int64_t grain) {
  if (t_in_parallel) return 1;
  const int th = num_threads();
  if (th <= 1) return 1;
  const int64_t k = n / std::max<int64_t>(grain, 1);
  return std::max<int64_t>(1, std::min<int64_t>(k, th));
}

namespace detail {
void parallel_run(int64_t tasks, TaskFn fn, const void* ctx) {
  Pool::get().run(tasks, fn, ctx, num_threads());
}
}  // namespace detail

}  // namespace nabla
