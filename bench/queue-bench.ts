import { RedisQueueAdapter } from '../src-main/queue/redis-queue-adapter';
import { Queue } from 'bullmq';
console.log(typeof RedisQueueAdapter, typeof Queue);
